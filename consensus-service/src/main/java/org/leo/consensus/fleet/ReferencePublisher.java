package org.leo.consensus.fleet;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.measured.UkiExpectation;
import org.leo.attest.server.AttestationEngine;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.attest.v1.Evidence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HPC's Pi's part in the verifiers' own appraisal: it publishes on the fleet's ledger, for each
 * HPC it serves, the reference values verifiers appraise that HPC's relayed evidence against
 * ({@link ReferenceAppraisal}), whenever the HPC's golden baseline becomes current (taken after an
 * enrollment, or restored when its stream re-opens after a restart):
 * {@code ReferenceValues(hpc, manifestSha256, measuredBootSha256, goldenSha256)}, where
 * <ul>
 * <li>{@code goldenSha256} is the SHA-256 of the golden's EvidenceBody bytes exactly as the agent
 *     signed them (the relay carries those bytes and the signature);</li>
 * <li>{@code manifestSha256} is the SHA-256 of the canonical text of the signed boot manifest this Pi
 *     serves, the bytes its Ed25519 signature covers ({@link BootManifest#canonicalBytes()});</li>
 * <li>{@code measuredBootSha256} is the SHA-256 of the measured-boot expectation's canonical text
 *     ({@link UkiExpectation#canonicalText()}), or 32 zero bytes when the served image has none (HPCs
 *     then enroll without a measured boot).</li>
 * </ul>
 * The manifest and measured-boot digests say what the Pi enrolled the HPC against, for anyone to
 * compare with the image they know; verifiers appraise against the golden only.
 *
 * <p>It appends only when the ledger's latest reference values for the HPC differ, so a restart does
 * not repeat them (and reads the ledger only for a golden it has not yet seen there). Appends run on the publisher's own thread, never on the attestation engine's. An
 * append that fails is logged and tried again at the next baseline and after the next round starts
 * ({@link #retrySoon}), a moment after the round's head is read: nothing waits for it, and until it
 * is on the ledger the HPC's verifiers sign UNTRUSTED ({@code relay.golden.unpublished} or
 * {@code .mismatch}).
 */
public final class ReferencePublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReferencePublisher.class);
    /** After a round starts, when a due publication is tried again: after every Pi read the round's head, long before the next. */
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    /** What a Pi publishes as its measured-boot digest when the served image has no measured-boot expectation. */
    static final byte[] NO_MEASURED_BOOT = new byte[32];

    /** The golden baselines of the HPCs this Pi serves: the attestation engine's. */
    public interface Goldens {
        /** The current golden of {@code hpc}, body bytes and signature as the agent sent them. */
        Optional<Evidence> golden(MacAddress hpc);

        /** Runs {@code changed} (it must not block) whenever an HPC's golden becomes current. */
        void onChange(Runnable changed);

        static Goldens of(AttestationEngine engine) {
            return new Goldens() {
                @Override
                public Optional<Evidence> golden(MacAddress hpc) {
                    return engine.baseline(hpc.toString()).map(AttestationEngine.Baseline::signed);
                }

                @Override
                public void onChange(Runnable changed) {
                    engine.onBaseline(b -> changed.run());
                }
            };
        }
    }

    /** What this Pi publishes from: its HPCs' goldens, the HPCs, and the digests of what it serves them. */
    public record Sources(Goldens goldens, Set<MacAddress> hpcs, byte[] manifestSha256, byte[] measuredBootSha256) {
        public Sources {
            hpcs = Set.copyOf(hpcs);
            manifestSha256 = manifestSha256.clone();
            measuredBootSha256 = measuredBootSha256.clone();
            if (manifestSha256.length != 32 || measuredBootSha256.length != 32) {
                throw new IllegalArgumentException("reference values: two SHA-256 digests");
            }
        }

        /** The attestation side's: its engine's goldens, the manifest it serves and its measured-boot expectation. */
        public static Sources of(AttestationEngine engine, BootManifest manifest, BootExpectation expected, Set<MacAddress> hpcs) {
            return new Sources(Goldens.of(engine), hpcs, ReferencePublisher.manifestSha256(manifest),
                    ReferencePublisher.measuredBootSha256(expected));
        }

        @Override
        public byte[] manifestSha256() {
            return manifestSha256.clone();
        }

        @Override
        public byte[] measuredBootSha256() {
            return measuredBootSha256.clone();
        }
    }

    private final FleetLedger ledger;
    private final Sources sources;
    /** Each HPC's reference values (their body) this publisher appended or found on the ledger: what needs no ledger read. */
    private final Map<MacAddress, byte[]> confirmed = new HashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "consensus-references");
        t.setDaemon(true);
        return t;
    });

    private ReferencePublisher(FleetLedger ledger, Sources sources) {
        this.ledger = ledger;
        this.sources = sources;
    }

    /** Publishes what is due now and whenever a golden becomes current, on its own thread. */
    public static ReferencePublisher start(FleetLedger ledger, Sources sources) {
        ReferencePublisher p = new ReferencePublisher(ledger, sources);
        sources.goldens().onChange(() -> p.later(Duration.ZERO));
        p.later(Duration.ZERO);
        return p;
    }

    /** SHA-256 of the manifest's canonical text, the bytes its signature covers. */
    public static byte[] manifestSha256(BootManifest m) {
        return Sha256.newDigest().digest(m.canonicalBytes());
    }

    /** SHA-256 of the measured-boot expectation's canonical text, or 32 zero bytes without one. */
    public static byte[] measuredBootSha256(BootExpectation e) {
        return e.uki().map(u -> Sha256.newDigest().digest(u.canonicalText().getBytes(StandardCharsets.US_ASCII)))
                .orElse(NO_MEASURED_BOOT.clone());
    }

    /** Tries what is due again a moment after a round starts ({@link #RETRY_DELAY}): never at the instant every Pi reads the head. */
    public void retrySoon() {
        later(RETRY_DELAY);
    }

    private void later(Duration delay) {
        try {
            worker.schedule(this::publishDue, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // the publisher is closed: nothing more is published
        }
    }

    /**
     * Appends, for every HPC served whose golden is taken, its reference values unless they are the ledger's latest
     * for it; on the calling thread. Returns what it appended; a failure is logged, never thrown.
     */
    public synchronized List<LedgerEntry> publishDue() {
        List<LedgerEntry> appended = new ArrayList<>();
        List<LedgerRecord.ReferenceValues> due = new ArrayList<>();
        for (MacAddress hpc : sources.hpcs().stream().sorted(Comparator.comparing(MacAddress::toString)).toList()) {
            sources.goldens().golden(hpc).map(g -> new LedgerRecord.ReferenceValues(hpc, sources.manifestSha256(), sources.measuredBootSha256(),
                    Sha256.newDigest().digest(g.getBody().toByteArray()))).filter(want -> !Arrays.equals(want.body(), confirmed.get(hpc)))
                    .ifPresent(due::add);
        }
        if (due.isEmpty()) {
            return appended; // what this publisher saw on the ledger: no read
        }
        FleetLedger.Snapshot now;
        try {
            now = ledger.now();
        } catch (RuntimeException e) {
            LOG.warn("consensus: cannot read the ledger to publish reference values; trying again at the next baseline or round: {}", e.toString());
            return appended;
        }
        HexFormat hex = HexFormat.of();
        for (LedgerRecord.ReferenceValues want : due) {
            if (now.referenceValues(want.hpc()).filter(have -> Arrays.equals(have.body(), want.body())).isPresent()) {
                confirmed.put(want.hpc(), want.body());
                continue;
            }
            try {
                LedgerEntry e = ledger.ledger().append(want);
                appended.add(e);
                confirmed.put(want.hpc(), want.body());
                LOG.info("consensus: published the reference values of HPC {} as ledger entry #{}: golden {}, manifest {}, measured boot {}",
                        want.hpc(), e.seq(), hex.formatHex(want.goldenSha256()), hex.formatHex(want.manifestSha256()),
                        hex.formatHex(want.measuredBootSha256()));
            } catch (RuntimeException e) {
                LOG.warn("consensus: the reference values of HPC {} are not on the ledger; trying again at the next baseline or round: {}",
                        want.hpc(), e.toString());
            }
        }
        return appended;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
