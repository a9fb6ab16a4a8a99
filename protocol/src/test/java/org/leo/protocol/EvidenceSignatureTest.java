package org.leo.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;

/** The fast path signs exactly what the documented algorithm (SHA256withECDSA over domain || body) signs. */
class EvidenceSignatureTest {
    static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    @Test
    void interoperatesWithTheJdksSha256WithEcdsa() throws Exception {
        KeyPair kp = p256();
        byte[] body = "an evidence body".getBytes(StandardCharsets.US_ASCII);
        byte[] ours = EvidenceSignature.sign(kp.getPrivate(), body);
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(kp.getPublic());
        jdk.update("leo-evidence-v1\0".getBytes(StandardCharsets.US_ASCII));
        jdk.update(body);
        assertThat(jdk.verify(ours)).isTrue();

        jdk.initSign(kp.getPrivate());
        jdk.update("leo-evidence-v1\0".getBytes(StandardCharsets.US_ASCII));
        jdk.update(body);
        byte[] theirs = jdk.sign();
        assertThat(EvidenceSignature.verify(kp.getPublic(), body, theirs)).isTrue();
        assertThat(EvidenceSignature.verify(EvidenceSignature.verifierKey(kp.getPublic()), body, theirs)).isTrue();
    }

    @Test
    void wrongKeyBodyDomainOrGarbageDoNotVerify() throws Exception {
        KeyPair kp = p256();
        byte[] body = {1, 2, 3};
        byte[] sig = EvidenceSignature.sign(kp.getPrivate(), body);
        assertThat(EvidenceSignature.verify(p256().getPublic(), body, sig)).isFalse();
        assertThat(EvidenceSignature.verify(kp.getPublic(), new byte[] {1, 2, 4}, sig)).isFalse();
        Signature plain = Signature.getInstance("SHA256withECDSA");
        plain.initSign(kp.getPrivate());
        plain.update(body);
        assertThat(EvidenceSignature.verify(kp.getPublic(), body, plain.sign())).as("no domain prefix").isFalse();
        assertThat(EvidenceSignature.verify(kp.getPublic(), body, new byte[] {0x30, 0x02, 0x01})).isFalse();
        assertThat(EvidenceSignature.verify(kp.getPublic(), body, new byte[81])).isFalse();
        assertThat(EvidenceSignature.verify(kp.getPublic(), body, new byte[0])).isFalse();
    }
}
