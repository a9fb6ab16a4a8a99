package org.leo.attest.enroll;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.appraise.Golden;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * The golden baseline is kept as the agent signed it: its body bytes exactly (a remote verifier
 * hashes and checks those) and the signature, across a reopen; a store made before signatures were
 * kept opens, and its golden has none.
 */
class EnrollmentStoreGoldenTest {
    static final String HPC = "52:54:00:77:00:10";
    static final String BOOT = "ab".repeat(32);

    @TempDir
    Path tmp;

    /** An EvidenceBody in non-canonical field order (nonce before challenge id): parsing and re-serializing would change it. */
    static byte[] nonCanonicalBody() {
        byte[] nonce = EvidenceBody.newBuilder().setNonce(ByteString.copyFrom(new byte[] {1, 2, 3})).build().toByteArray();
        byte[] id = EvidenceBody.newBuilder().setChallengeId(7).build().toByteArray();
        byte[] body = new byte[nonce.length + id.length];
        System.arraycopy(nonce, 0, body, 0, nonce.length);
        System.arraycopy(id, 0, body, nonce.length, id.length);
        return body;
    }

    @Test
    void theGoldenIsKeptExactlyAsTheAgentSignedIt() throws Exception {
        byte[] body = nonCanonicalBody();
        EvidenceBody parsed = EvidenceBody.parseFrom(body);
        assertThat(parsed.toByteArray()).as("a re-serialization would not be what the agent signed").isNotEqualTo(body);
        Evidence signed = Evidence.newBuilder().setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(new byte[] {9, 9})).build();
        try (EnrollmentStore s = EnrollmentStore.open(tmp.resolve("enroll.db"))) {
            s.saveGolden(new Golden(HPC, BOOT, parsed), signed);
        }
        try (EnrollmentStore s = EnrollmentStore.open(tmp.resolve("enroll.db"))) {
            assertThat(s.signedGolden(HPC, BOOT)).contains(signed);
            assertThat(s.signedGolden(HPC, "cd".repeat(32))).as("another boot's").isEmpty();
            assertThat(s.golden(HPC).orElseThrow().baseline()).isEqualTo(parsed);
        }
    }

    @Test
    void aStoreFromBeforeSignaturesOpensAndItsGoldenHasNone() throws Exception {
        Path file = tmp.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE golden (hpc TEXT PRIMARY KEY, boot_nonce TEXT NOT NULL, body BLOB NOT NULL, at_millis INTEGER NOT NULL)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO golden VALUES (?, ?, ?, ?)")) {
                ps.setString(1, HPC);
                ps.setString(2, BOOT);
                ps.setBytes(3, EvidenceBody.newBuilder().setChallengeId(7).build().toByteArray());
                ps.setLong(4, Instant.now().minus(Duration.ofDays(1)).toEpochMilli());
                ps.executeUpdate();
            }
        }
        try (EnrollmentStore s = EnrollmentStore.open(file)) {
            assertThat(s.golden(HPC).orElseThrow().baseline().getChallengeId()).isEqualTo(7);
            assertThat(s.signedGolden(HPC, BOOT)).isEmpty();
        }
        try (EnrollmentStore s = EnrollmentStore.open(file)) {
            assertThat(s.signedGolden(HPC, BOOT)).as("opened a second time: the column is there once").isEmpty();
        }
    }
}
