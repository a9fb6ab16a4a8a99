package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/** {@code leo ledger show|verify} over an embedded ledger with a member, a certificate and a credit change. */
class LedgerCommandTest {
    @TempDir
    Path dir;

    @Test
    void showPrintsEveryEntryAsASentenceAndTheCreditsVerifyFindsAnEditedEntry() throws Exception {
        Path file = dir.resolve(LedgerCommand.FILE);
        Files.createDirectories(file.getParent());
        byte[] sk = new byte[32];
        byte[] member = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(sk, 0, member, 0);
        RoundId round = new RoundId(new byte[32], MacAddress.parse("52:54:00:77:00:10"), 3);
        byte[] dissenter = new byte[32];
        dissenter[0] = 7;
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            l.append(new LedgerRecord.MemberAdmitted(member, new byte[32], 100));
            l.append(new LedgerRecord.MemberAdmitted(dissenter, new byte[32], 100));
            long qc = l.append(new LedgerRecord.CertificateRecorded(new QuorumCertificate(round, Verdict.Outcome.TRUSTED,
                    List.of(Verdict.sign(sk, round, 1, new byte[80], Verdict.Outcome.TRUSTED, new byte[32]))))).seq();
            l.append(new LedgerRecord.CreditChanged(dissenter, -1, qc, "verdict against the certificate"));
        }
        AttestCommandTest.Run show = AttestCommandTest.leo("ledger", "show", "--data-dir", dir.toString());
        assertThat(show.status()).as(show.err()).isZero();
        assertThat(show.out()).contains("#1 ").contains("admitted with VRF key")
                .contains("#3 ").contains("certificate: TRUSTED for round 3 of HPC 52:54:00:77:00:10")
                .contains("#4 ").contains(" -1 (verdict against the certificate, record #3)")
                .contains("4 entries shown; head #4 sha256 ")
                .contains("credit " + java.util.HexFormat.of().formatHex(member) + " 101")
                .contains("credit " + java.util.HexFormat.of().formatHex(dissenter) + " 99");
        assertThat(AttestCommandTest.leo("ledger", "verify", "--ledger", file.toString()).out()).contains("chain intact, 4 entries");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                AttestCommandTest.leo("ledger", "show", "--data-dir", dir.toString(), "--json").out());
        assertThat(json.get("entries")).hasSize(4);
        assertThat(json.get("entries").get(2).get("record").asText()).contains("certificate: TRUSTED for round 3 of HPC 52:54:00:77:00:10");
        assertThat(json.get("head").get("seq").asLong()).isEqualTo(4);
        assertThat(json.get("head").has("record")).isFalse();
        assertThat(json.get("credits").get(java.util.HexFormat.of().formatHex(dissenter)).asLong()).isEqualTo(99);
        assertThat(json.get("tokens").has("deposited")).isTrue();

        String memberHex = java.util.HexFormat.of().formatHex(member);
        AttestCommandTest.Run deposit = AttestCommandTest.leo("ledger", "deposit", "--data-dir", dir.toString(), memberHex, "50");
        assertThat(deposit.status()).as(deposit.err()).isZero();
        assertThat(deposit.out()).contains("#5 ").contains("50 token(s) deposited for member ").contains("tokens " + memberHex + " 50");
        AttestCommandTest.Run over = AttestCommandTest.leo("ledger", "withdraw", "--data-dir", dir.toString(), memberHex, "51");
        assertThat(over.status()).isEqualTo(1);
        assertThat(over.err()).contains("a withdrawal of 51 by member " + memberHex + ", whose balance is 50");
        assertThat(AttestCommandTest.leo("ledger", "withdraw", "--data-dir", dir.toString(), memberHex, "20").status()).isZero();
        assertThat(AttestCommandTest.leo("ledger", "deposit", "--data-dir", dir.toString(), "00".repeat(32), "5").err())
                .contains("who is not a member");
        assertThat(AttestCommandTest.leo("ledger", "show", "--data-dir", dir.toString()).out()).contains("tokens " + memberHex + " 30")
                .contains("tokens deposited 50, in balances 30, in escrow 0, burned 0, withdrawn 20");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE ledger SET body = x'00' WHERE seq = 3");
        }
        AttestCommandTest.Run broken = AttestCommandTest.leo("ledger", "verify", "--ledger", file.toString());
        assertThat(broken.status()).isEqualTo(1);
        assertThat(broken.out()).contains("does not verify: entry #3 hashes to");
        assertThat(AttestCommandTest.leo("ledger", "show", "--data-dir", dir.toString()).status()).isEqualTo(2);
        assertThat(AttestCommandTest.leo("ledger", "show", "--data-dir", dir.resolve("none").toString()).err()).contains("no ledger at");
    }
}
