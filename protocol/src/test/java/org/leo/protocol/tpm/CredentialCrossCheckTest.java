package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CredentialProtection} and {@link Tpm#activateCredential} against tpm2-tools, both ways. The
 * seed is random, so outputs are compared by activation, not by bytes: a credential we make is
 * activated by {@code tpm2_activatecredential} for keys tpm2-tools made ({@code tpm2_createek},
 * {@code tpm2_createak}), and one {@code tpm2_makecredential -T none} makes for our EK and AK is
 * activated by {@link Tpm}. The file format is tpm2-tools': magic 0xBADCC0DE, version 1,
 * TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
 */
@Tag("system")
class CredentialCrossCheckTest {
    private static final int MAGIC = 0xBADCC0DE;

    @TempDir
    Path work;
    private SwtpmProcess swtpm;
    private final SecureRandom random = new SecureRandom();

    @BeforeEach
    void startSwtpm() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm and swtpm_ioctl are not on the PATH (apt-get install swtpm swtpm-tools)");
        assumeTrue(SwtpmProcess.onPath("tpm2_makecredential") && SwtpmProcess.onPath("tpm2_activatecredential"),
                "tpm2_makecredential and tpm2_activatecredential are not on the PATH (apt-get install tpm2-tools)");
        swtpm = SwtpmProcess.start();
    }

    @AfterEach
    void stopSwtpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void ourCredentialIsActivatedByTpm2Activatecredential() throws Exception {
        Tpm2Tools tools = new Tpm2Tools(swtpm.tcti(), work);
        tools.ok("tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_createak", "-C", "ek.ctx", "-c", "ak.ctx", "-G", "ecc", "-g", "sha256", "-s", "ecdsa", "-u", "ak.pub", "-n", "ak.name");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_flushcontext", "-s");

        EkPublic ek = EkPublic.parse(tpmtPublic(work.resolve("ek.pub")));
        AkPublic ak = AkPublic.parse(tpmtPublic(work.resolve("ak.pub")));
        assertThat(ak.name()).isEqualTo(Files.readAllBytes(work.resolve("ak.name")));
        byte[] secret = randomBytes();
        ProtectedCredential credential = CredentialProtection.make(ek, ak.name(), secret);
        Files.write(work.resolve("cred.bin"), ByteBuffer.allocate(8 + credential.credentialBlob().length + credential.secret().length)
                .putInt(MAGIC).putInt(1).put(credential.credentialBlob()).put(credential.secret()).array());

        tools.ok("tpm2_startauthsession", "--policy-session", "-S", "session.ctx");
        tools.ok("tpm2_policysecret", "-S", "session.ctx", "-c", "e");
        tools.ok("tpm2_activatecredential", "-c", "ak.ctx", "-C", "ek.ctx", "-i", "cred.bin", "-o", "activated.bin",
                "-P", "session:session.ctx");
        tools.ok("tpm2_flushcontext", "session.ctx");
        tools.ok("tpm2_flushcontext", "-t");
        assertThat(Files.readAllBytes(work.resolve("activated.bin"))).isEqualTo(secret);
    }

    @Test
    void tpm2MakecredentialForOurRsaEkIsActivatedByTpm() throws Exception {
        activateTpm2Makecredential(EkType.RSA_2048);
    }

    @Test
    void tpm2MakecredentialForOurEccEkIsActivatedByTpm() throws Exception {
        activateTpm2Makecredential(EkType.ECC_P384);
    }

    private void activateTpm2Makecredential(EkType type) throws Exception {
        byte[] secret = randomBytes();
        Files.write(work.resolve("secret.bin"), secret);
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            byte[] ekPublic = tpm.ekPublicArea(type);
            Files.write(work.resolve("ek.pub"), CredentialProtection.sized(ekPublic));
            byte[] akName = tpm.attestationKey().name();
            // -T none: tpm2_makecredential runs in software, so we keep swtpm's one connection
            new Tpm2Tools(null, work).ok("tpm2_makecredential", "-T", "none", "-u", "ek.pub", "-s", "secret.bin",
                    "-n", HexFormat.of().formatHex(akName), "-o", "cred.bin");
            ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(work.resolve("cred.bin")));
            assertThat(file.getInt()).isEqualTo(MAGIC);
            assertThat(file.getInt()).isEqualTo(1);
            byte[] blob = sized(file);
            byte[] encryptedSecret = sized(file);
            assertThat(file.remaining()).isZero();

            assertThat(tpm.activateCredential(type, blob, encryptedSecret)).isEqualTo(secret);
        }
    }

    private byte[] randomBytes() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return b;
    }

    /** A TPM2B (UINT16 size and body) at the buffer's position, size included. */
    private static byte[] sized(ByteBuffer buffer) {
        int size = buffer.getShort(buffer.position()) & 0xFFFF;
        byte[] out = new byte[2 + size];
        buffer.get(out);
        return out;
    }

    /** The TPMT_PUBLIC inside a tpm2-tools TPM2B_PUBLIC file. */
    private static byte[] tpmtPublic(Path file) throws Exception {
        byte[] tpm2b = Files.readAllBytes(file);
        assertThat(((tpm2b[0] & 0xFF) << 8) | (tpm2b[1] & 0xFF)).isEqualTo(tpm2b.length - 2);
        return Arrays.copyOfRange(tpm2b, 2, tpm2b.length);
    }
}
