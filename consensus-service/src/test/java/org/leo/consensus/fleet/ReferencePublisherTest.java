package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.measured.UkiExpectation;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.attest.v1.Evidence;

/**
 * The HPC's Pi publishes each HPC's reference values when its golden becomes current, once (not again
 * while the ledger's latest are the same), anew for a new golden; a failed append is logged, never
 * thrown, and tried again; the digests are of the manifest's signed text and of the measured-boot
 * expectation's canonical text, or zeros without one.
 */
class ReferencePublisherTest {
    static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress OTHER = MacAddress.parse("52:54:00:77:00:11");

    @TempDir
    Path tmp;

    /** Goldens as a test sets them. */
    static final class TestGoldens implements ReferencePublisher.Goldens {
        final Map<MacAddress, Evidence> goldens = new ConcurrentHashMap<>();
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();

        @Override
        public Optional<Evidence> golden(MacAddress hpc) {
            return Optional.ofNullable(goldens.get(hpc));
        }

        @Override
        public void onChange(Runnable changed) {
            listeners.add(changed);
        }

        void take(MacAddress hpc, String body) {
            goldens.put(hpc, Evidence.newBuilder().setBody(ByteString.copyFromUtf8(body)).setSignature(ByteString.copyFromUtf8("sig")).build());
            listeners.forEach(Runnable::run);
        }
    }

    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(until);
            Thread.sleep(10);
        }
    }

    static ReferencePublisher.Sources sources(TestGoldens g) {
        return new ReferencePublisher.Sources(g, Set.of(HPC, OTHER), Lab.sha256("manifest"), ReferencePublisher.NO_MEASURED_BOOT);
    }

    @Test
    void aGoldenIsPublishedOnceAndANewGoldenAgain() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            TestGoldens g = new TestGoldens();
            FleetLedger fleet = new FleetLedger(l);
            try (ReferencePublisher p = ReferencePublisher.start(fleet, sources(g))) {
                // its own thread runs publishDue too (at start): the ledger says what was published, whoever ran it
                assertThat(p.publishDue()).as("no golden taken yet").isEmpty();
                g.goldens.put(HPC, Evidence.newBuilder().setBody(ByteString.copyFromUtf8("golden of boot 1")).build());
                p.publishDue();
                LedgerEntry first = l.head().orElseThrow();
                assertThat(first.seq()).isEqualTo(1);
                LedgerRecord.ReferenceValues r = (LedgerRecord.ReferenceValues) first.record();
                assertThat(r.hpc()).isEqualTo(HPC);
                assertThat(r.goldenSha256()).isEqualTo(Lab.sha256("golden of boot 1"));
                assertThat(r.manifestSha256()).isEqualTo(Lab.sha256("manifest"));
                assertThat(r.measuredBootSha256()).isEqualTo(new byte[32]);
                assertThat(p.publishDue()).as("the ledger's latest are these").isEmpty();
                assertThat(fleet.now().referenceValues(HPC).orElseThrow().body()).isEqualTo(r.body());
                assertThat(fleet.now().referenceValues(OTHER)).isEmpty();

                g.goldens.put(HPC, Evidence.newBuilder().setBody(ByteString.copyFromUtf8("golden of boot 2")).build());
                p.publishDue();
                assertThat(l.head().orElseThrow().seq()).isEqualTo(2);
                assertThat(fleet.now().referenceValues(HPC).orElseThrow().goldenSha256()).isEqualTo(Lab.sha256("golden of boot 2"));
                assertThat(fleet.at(first.hash()).orElseThrow().referenceValues(HPC).orElseThrow().goldenSha256())
                        .as("as of the earlier head, the earlier golden").isEqualTo(Lab.sha256("golden of boot 1"));
            }
            try (ReferencePublisher again = ReferencePublisher.start(new FleetLedger(l), sources(g))) {
                assertThat(again.publishDue()).as("a restart publishes nothing the ledger has").isEmpty();
            }
            assertThat(l.head().orElseThrow().seq()).isEqualTo(2);
        }
    }

    @Test
    void aBaselineIsPublishedOnThePublishersThreadAndAFailedAppendIsTriedAgain() throws Exception {
        try (EmbeddedLedger inner = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            FlakyLedger l = FlakyLedger.failing(inner, LedgerRecord.ReferenceValues.class, FlakyLedger.Fault.UNREACHABLE);
            TestGoldens g = new TestGoldens();
            g.goldens.put(HPC, Evidence.newBuilder().setBody(ByteString.copyFromUtf8("golden")).build());
            try (ReferencePublisher p = ReferencePublisher.start(new FleetLedger(l), sources(g))) {
                await(() -> l.attempts() >= 1, "the first append was tried on the publisher's thread");
                assertThat(inner.head()).as("it failed: logged, not thrown, nothing appended").isEmpty();
                g.take(OTHER, "other golden"); // a baseline: the publisher's thread publishes both, the one that failed too
                await(() -> inner.head().map(LedgerEntry::seq).orElse(0L) == 2, "both published");
                assertThat(inner.entries(1, 2)).extracting(e -> ((LedgerRecord.ReferenceValues) e.record()).hpc()).containsExactly(HPC, OTHER);
                assertThat(p.publishDue()).isEmpty();
            }
        }
    }

    @Test
    void theDigestsAreOfTheManifestsSignedTextAndTheMeasuredBootsCanonicalText() {
        BootManifest m = new BootManifest("test-image", Instant.parse("2026-12-01T00:00:00Z"),
                List.of(new ManifestEntry("vmlinuz", 1000, "11".repeat(32))));
        assertThat(ReferencePublisher.manifestSha256(m)).isEqualTo(Lab.sha256Bytes(m.canonicalBytes()));
        assertThat(ReferencePublisher.measuredBootSha256(BootExpectation.NONE)).isEqualTo(new byte[32]);

        UkiExpectation u = new UkiExpectation("aa".repeat(32), "bb".repeat(32), "cc".repeat(32), "dd".repeat(32),
                Set.of("ff".repeat(32), "ee".repeat(32)));
        String text = "leo-measured-boot v1\n"
                + "pcr4 authenticode " + "aa".repeat(32) + "\n"
                + "pcr4 linux-authenticode " + "bb".repeat(32) + "\n"
                + "pcr11 .initrd " + "cc".repeat(32) + "\n"
                + "pcr11 value " + "dd".repeat(32) + "\n"
                + "loader " + "ee".repeat(32) + "\n"
                + "loader " + "ff".repeat(32) + "\n";
        assertThat(u.canonicalText()).isEqualTo(text);
        BootExpectation e = new BootExpectation() {
            @Override
            public Optional<UkiExpectation> uki() {
                return Optional.of(u);
            }

            @Override
            public Optional<String> commandLine(String nonce) {
                return Optional.empty();
            }
        };
        assertThat(ReferencePublisher.measuredBootSha256(e)).isEqualTo(Lab.sha256Bytes(text.getBytes(StandardCharsets.US_ASCII)));
    }
}
