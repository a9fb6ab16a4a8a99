package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.EnrollmentToken;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.protocol.tpm.EkPublic;
import org.leo.protocol.tpm.EkType;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;

/**
 * {@code leo firstboot} against swtpm: the token it prints names this TPM's attestation and endorsement keys, the member
 * key on disk and the CA; a second run prints the same token; the fleet's {@code leo fleet peer --token} makes from it
 * exactly the line {@code leo fleet identity} prints on the Pi; keys that changed since first boot are named and refused;
 * and without {@code --tpm} it runs its own swtpm over DATA-DIR/swtpm, whose identity survives to the next run.
 */
class FirstbootCommandTest {
    @TempDir
    Path dir;

    @Test
    void theTokenNamesThisPisKeysIsTheSameEveryRunAndMakesItsPeerLine() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        try (SwtpmProcess tpm = SwtpmProcess.start()) {
            String endpoint = "swtpm:127.0.0.1:" + tpm.port();
            AttestCommandTest.Run first = AttestCommandTest.leo("firstboot", "--data-dir", dir.toString(), "--tpm", endpoint);
            assertThat(first.status()).as(first.err()).isZero();
            String token = first.out().strip();
            assertThat(token).startsWith("leo1-").hasSize(5 + 213).doesNotContain("\n");
            assertThat(first.err()).contains("(no manufacturer certificate)").contains(", made now)")
                    .contains("made at this first boot, kept in " + dir.resolve("enrollment-token"));
            assertThat(Files.readString(dir.resolve("enrollment-token"))).isEqualTo(token + "\n");

            EnrollmentToken t = EnrollmentToken.decode(token);
            HexFormat hex = HexFormat.of();
            assertThat(t.memberHex()).isEqualTo(MemberKeyFile.load(dir.resolve("consensus/member.key")).memberHex());
            try (Tpm direct = Tpm.open(TpmEndpoint.parse(endpoint))) {
                assertThat(hex.formatHex(t.akSha256())).isEqualTo(direct.attestationKey().fingerprint());
                assertThat(t.ekType()).isEqualTo(EkType.ECC_P256);
                assertThat(t.ekSha256()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(EkPublic.parse(direct.ekPublicArea(EkType.ECC_P256)).publicKey().getEncoded()));
            }

            AttestCommandTest.Run again = AttestCommandTest.leo("firstboot", "--data-dir", dir.toString(), "--tpm", endpoint);
            assertThat(again.status()).as(again.err()).isZero();
            assertThat(again.out().strip()).as("a second run prints the same token").isEqualTo(token);
            assertThat(again.err()).contains("the same as at first boot").doesNotContain("made now");
            JsonNode json = new ObjectMapper().readTree(AttestCommandTest.leo("firstboot", "--data-dir", dir.toString(), "--tpm", endpoint,
                    "--json").out());
            assertThat(json.get("token").asText()).isEqualTo(token);
            assertThat(json.get("firstRun").asBoolean()).isFalse();
            assertThat(json.get("ekCertified").asBoolean()).isFalse();
            assertThat(json.get("ekType").asText()).isEqualTo("ECC_P256");

            // The fleet's side: the token makes exactly the line the Pi prints of itself.
            AttestCommandTest.Run peer = AttestCommandTest.leo("fleet", "peer", "--token", token.toUpperCase(), "--address", "10.78.0.7:7450",
                    "--mac", "52:54:00:77:00:17");
            assertThat(peer.status()).as(peer.err()).isZero();
            AttestCommandTest.Run identity = AttestCommandTest.leo("fleet", "identity", "--data-dir", dir.toString(), "--tpm", endpoint,
                    "--address", "10.78.0.7:7450", "--mac", "52:54:00:77:00:17");
            String line = identity.out().lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
            assertThat(peer.out()).isEqualTo("# leo fleet peer: from an enrollment token; the Pi's TPM endorsement key: ECC NIST P-256 EK sha256 "
                    + hex.formatHex(t.ekSha256()) + "\n" + line + "\n");

            String typo = token.substring(0, 40) + (token.charAt(40) == 'a' ? 'b' : 'a') + token.substring(41);
            AttestCommandTest.Run bad = AttestCommandTest.leo("fleet", "peer", "--token", typo, "--address", "10.78.0.7:7450");
            assertThat(bad.status()).isEqualTo(2);
            assertThat(bad.err()).isEqualTo("leo fleet peer: --token: the token's check does not match: a character was mistyped\n");

            // A member key made again: the token of first boot no longer holds, and the command says so.
            Files.delete(dir.resolve("consensus/member.key"));
            AttestCommandTest.Run changed = AttestCommandTest.leo("firstboot", "--data-dir", dir.toString(), "--tpm", endpoint);
            assertThat(changed.status()).isEqualTo(1);
            assertThat(changed.out()).isEmpty();
            assertThat(changed.err()).contains("this Pi's keys are not those of the token it printed at first boot")
                    .contains("the member key is another (consensus/member.key was made again)")
                    .doesNotContain("attestation key is another");
        }
    }

    @Test
    void withoutTpmItRunsItsOwnSwtpmWhoseIdentityLastsToTheNextRun() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        assumeTrue(!Files.exists(Path.of("/dev/tpmrm0")), "this machine has a TPM: firstboot would use it, not a swtpm of its own");
        AttestCommandTest.Run first = AttestCommandTest.leo("firstboot", "--data-dir", dir.toString());
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.err()).contains("leo firstboot: TPM swtpm:127.0.0.1:");
        AttestCommandTest.Run second = AttestCommandTest.leo("firstboot", "--data-dir", dir.toString());
        assertThat(second.status()).as(second.err()).isZero();
        assertThat(second.out()).isEqualTo(first.out());
        assertThat(Files.exists(dir.resolve("swtpm/pid"))).as("the swtpm it started is stopped again").isFalse();
    }
}
