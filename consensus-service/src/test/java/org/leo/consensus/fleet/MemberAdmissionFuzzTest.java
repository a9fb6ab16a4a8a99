package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.tpm.AkPublic;
import org.leo.protocol.tpm.TpmFormatException;

/**
 * Fuzzes a join request as a Pi sends it (seeded with a real one from swtpm, JoinTest): the
 * admission never throws, answers admitted or refused, and appends to the ledger only when it
 * admits. The request's member is listed and its AK pinned as the request says, so the fuzzer gets
 * past those checks to the VRF proof and the quote.
 */
class MemberAdmissionFuzzTest {
    static Path dir;
    static EmbeddedLedger ledger;

    @BeforeAll
    static void open() throws Exception {
        dir = Files.createTempDirectory("leo-join-fuzz");
        ledger = EmbeddedLedger.open(dir.resolve("ledger.db"));
    }

    @AfterAll
    static void close() throws Exception {
        ledger.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void admissionNeverThrows(byte[] input) {
        JoinRequest r;
        try {
            r = JoinRequest.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        byte[] pin;
        try {
            pin = Lab.sha256Bytes(AkPublic.parse(r.getAkPublicArea().toByteArray()).publicKey().getEncoded());
        } catch (TpmFormatException e) {
            pin = new byte[32];
        }
        byte[] member = r.getMemberKey().size() == 32 ? r.getMemberKey().toByteArray() : new byte[32];
        PeerList list = PeerList.of(List.of(new PeerList.Peer(member, "127.0.0.1", 1, pin, Optional.empty(), List.of())));
        long before = ledger.head().map(e -> e.seq()).orElse(0L);
        MemberAdmission.Decision d = new MemberAdmission(new FleetLedger(ledger), () -> list, 10, new Refusals(new SimpleMeterRegistry()))
                .admit(r, member);
        long after = ledger.head().map(e -> e.seq()).orElse(0L);
        assertThat(d.admitted().isPresent() != d.refused().isPresent()).isTrue();
        assertThat(after).isEqualTo(before + (d.admitted().isPresent() ? 1 : 0));
    }
}
