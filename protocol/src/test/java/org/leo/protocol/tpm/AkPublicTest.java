package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link AkPublic} and {@link EkPublic} over real public areas from swtpm and their malformed variants. */
class AkPublicTest {
    static final byte[] LEO_AK = load("ecc-leo-template");
    static final byte[] RSA_AK = load("rsa-tpm2-createak");
    static final byte[] RSA_EK = load("ek-rsa-l1");
    static final byte[] ECC_EK = load("ek-ecc-p384");

    @Test
    void theLeoAttestationKeyParsesWithItsName() throws Exception {
        AkPublic ak = AkPublic.parse(LEO_AK);
        assertThat(ak.objectAttributes()).isEqualTo(0x00050072L);
        assertThat(ak.publicKey()).isInstanceOf(ECPublicKey.class);
        byte[] name = ak.name();
        assertThat(name).startsWith(0x00, 0x0B).hasSize(34);
        assertThat(Arrays.copyOfRange(name, 2, 34)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(LEO_AK));
        assertThat(ak.isKey(ak.publicKey())).isTrue();
        assertThat(ak.isKey(AkPublic.parse(RSA_AK).publicKey())).isFalse();
    }

    @Test
    void anRsaAttestationKeyFromTpm2CreateakParses() throws Exception {
        AkPublic ak = AkPublic.parse(RSA_AK);
        assertThat(((RSAPublicKey) ak.publicKey()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(ak.publicArea()).isEqualTo(RSA_AK);
    }

    @Test
    void endorsementKeysParseAsEkAndAreRefusedAsAk() throws Exception {
        assertThat(EkPublic.parse(RSA_EK).publicKey()).isInstanceOf(RSAPublicKey.class);
        assertThat(EkPublic.parse(RSA_EK).symmetricBits()).isEqualTo(128);
        assertThat(EkPublic.parse(ECC_EK).publicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(EkPublic.parse(ECC_EK).symmetricBits()).isEqualTo(256);
        assertThatThrownBy(() -> AkPublic.parse(ECC_EK)).hasMessage("TPMT_PUBLIC is not an attestation key: objectAttributes"
                + " 0x000300f2 lacks sign and has decrypt (an attestation key must be fixedTPM, fixedParent, sensitiveDataOrigin,"
                + " restricted and sign, not decrypt)");
        assertThatThrownBy(() -> EkPublic.parse(LEO_AK))
                .hasMessage("TPMT_PUBLIC is not an endorsement key: objectAttributes 0x00050072 (an endorsement key is restricted and decrypt, not sign)");
    }

    @Test
    void aKeyThatIsNotRestrictedIsRefused() {
        byte[] unrestricted = LEO_AK.clone();
        unrestricted[5] &= ~0x01; // objectAttributes bit 16
        assertThatThrownBy(() -> AkPublic.parse(unrestricted)).isInstanceOf(TpmFormatException.class)
                .hasMessage("TPMT_PUBLIC is not an attestation key: objectAttributes 0x00040072 lacks restricted (an attestation"
                        + " key must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, not decrypt)");
    }

    @Test
    void aKeyThatCanLeaveTheTpmIsRefused() {
        byte[] duplicable = LEO_AK.clone();
        duplicable[7] &= ~0x32; // fixedTPM, fixedParent, sensitiveDataOrigin
        assertThatThrownBy(() -> AkPublic.parse(duplicable))
                .hasMessage("TPMT_PUBLIC is not an attestation key: objectAttributes 0x00050040 lacks fixedTPM, fixedParent,"
                        + " sensitiveDataOrigin (an attestation key must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, not decrypt)");
    }

    @Test
    void malformedAreasAreRefusedByName() {
        assertThatThrownBy(() -> AkPublic.parse(Arrays.copyOf(LEO_AK, 20)))
                .hasMessage("TPMT_PUBLIC truncated in unique.ecc.x.size: expected 2 bytes, got 0");
        assertThatThrownBy(() -> AkPublic.parse(Arrays.copyOf(LEO_AK, LEO_AK.length + 1)))
                .hasMessage("TPMT_PUBLIC has 1 trailing bytes after unique.ecc.y");
        assertThatThrownBy(() -> AkPublic.parse(new byte[TpmPublic.MAX_PUBLIC_BYTES + 1]))
                .hasMessage("TPMT_PUBLIC is 1025 bytes, more than the 1024 accepted");
        byte[] offCurve = LEO_AK.clone();
        offCurve[offCurve.length - 1] ^= 1;
        assertThatThrownBy(() -> AkPublic.parse(offCurve)).hasMessage("TPMT_PUBLIC unique.ecc is not a point on secp256r1");
        byte[] sha1 = LEO_AK.clone();
        sha1[3] = 0x04;
        assertThatThrownBy(() -> AkPublic.parse(sha1)).hasMessage("TPMT_PUBLIC nameAlg is sha1, expected sha256, sha384 or sha512");
        byte[] keyedHash = LEO_AK.clone();
        keyedHash[1] = 0x08;
        assertThatThrownBy(() -> AkPublic.parse(keyedHash)).hasMessage("TPMT_PUBLIC type is alg 0x0008, expected rsa or ecc");
        byte[] hugePolicy = LEO_AK.clone();
        hugePolicy[8] = 0x01; // authPolicy.size 0x0100
        assertThatThrownBy(() -> AkPublic.parse(hugePolicy)).hasMessage("TPMT_PUBLIC authPolicy has size 256, more than the 64 it can hold");
        byte[] shortModulus = RSA_AK.clone();
        shortModulus[shortModulus.length - 258] = 0x00; // unique.rsa.size 0x0100 -> 0x0000 leaves 256 trailing bytes
        assertThatThrownBy(() -> AkPublic.parse(shortModulus)).hasMessage("TPMT_PUBLIC has 256 trailing bytes after unique.rsa");
    }

    static byte[] load(String seed) {
        try (InputStream in = AkPublicTest.class.getResourceAsStream("AkPublicFuzzTestInputs/parse/" + seed)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("test resource " + seed + " is missing", e);
        }
    }
}
