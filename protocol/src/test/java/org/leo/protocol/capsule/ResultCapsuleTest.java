package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ResultCapsule}, {@link ResultSealer}, {@link ResultOpener} and {@link ResultRecipientStatement}:
 * the round trip at edge sizes, the layout, every structural refusal and every check of the opener by
 * its code, and each header byte flipped.
 */
class ResultCapsuleTest {
    private static final long SEQ = 42;
    private static final long CAP = 1 << 20;

    static byte[] seal(byte[] plaintext) {
        return ResultSealer.seal(plaintext, ResultCapsule.Part.RESULT, SEQ, ResultKeys.RECIPIENT, ResultKeys.AGENT, ResultKeys.AGENT_KEY);
    }

    static byte[] open(byte[] file) throws ResultCapsuleException {
        return ResultOpener.open(ResultCapsule.parse(file, CAP), SEQ, ResultCapsule.Part.RESULT, ResultKeys.AGENT,
                ResultKeys.RECIPIENT_SPKI, ResultKeys::unwrap);
    }

    @Test
    void roundTripAtEdgeSizes() throws Exception {
        for (int n : new int[] {0, 1, 15, 16, 17, 4096, 1 << 16}) {
            byte[] plain = new byte[n];
            Arrays.fill(plain, (byte) 'x');
            byte[] file = seal(plain);
            assertThat(file.length).isBetween(431 + 8 + n + 16, 431 + 72 + n + 16);
            assertThat(open(file)).isEqualTo(plain);
            ResultCapsule c = ResultCapsule.parse(file, CAP);
            assertThat(c.encode()).isEqualTo(file);
            assertThat(c.plaintextSize()).isEqualTo(n);
            assertThat(c.taskSeq()).isEqualTo(SEQ);
        }
    }

    @Test
    void eachSealHasAFreshKeyAndNonce() throws Exception {
        byte[] a = seal("same".getBytes(StandardCharsets.UTF_8));
        byte[] b = seal("same".getBytes(StandardCharsets.UTF_8));
        ResultCapsule ca = ResultCapsule.parse(a, CAP);
        ResultCapsule cb = ResultCapsule.parse(b, CAP);
        assertThat(ca.nonce()).isNotEqualTo(cb.nonce());
        assertThat(ResultKeys.unwrap(ca.wrappedKey())).isNotEqualTo(ResultKeys.unwrap(cb.wrappedKey()));
        assertThat(ca.payloadSha256()).isNotEqualTo(cb.payloadSha256());
    }

    @Test
    void layoutIsAsDocumented() throws Exception {
        byte[] file = seal("abc".getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.wrap(file);
        assertThat(Arrays.copyOf(file, 8)).isEqualTo("LEORES1\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(file[8]).isEqualTo((byte) 1);
        assertThat(file[9]).isEqualTo((byte) 1);
        assertThat(b.getLong(10)).isEqualTo(SEQ);
        assertThat(Arrays.copyOfRange(file, 18, 50)).isEqualTo(ContentAddress.sha256().digest(ResultKeys.AGENT.getEncoded()));
        assertThat(Arrays.copyOfRange(file, 50, 82)).isEqualTo(ContentAddress.sha256().digest(ResultKeys.RECIPIENT_SPKI));
        assertThat(Arrays.copyOfRange(file, 82, 114)).isEqualTo(ContentAddress.sha256().digest("abc".getBytes(StandardCharsets.UTF_8)));
        assertThat(b.getLong(114)).isEqualTo(3);
        int s = file[422] & 0xFF;
        assertThat(b.getLong(423 + s)).isEqualTo(19);
        assertThat(file.length).isEqualTo(431 + s + 19);
        assertThat(Arrays.copyOfRange(file, 390, 422)).isEqualTo(ContentAddress.sha256().digest(Arrays.copyOfRange(file, 431 + s, file.length)));
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(ResultKeys.AGENT.getPublicKey());
        v.update("leo-result-v1\0".getBytes(StandardCharsets.US_ASCII));
        v.update(file, 8, 414);
        assertThat(v.verify(Arrays.copyOfRange(file, 423, 423 + s))).isTrue();
    }

    @Test
    void structuralRefusalsByName() throws Exception {
        byte[] file = seal("abc".getBytes(StandardCharsets.UTF_8));
        assertCode(new byte[3], "not-a-result-capsule");
        assertCode(Arrays.copyOf(file, 100), "truncated");
        assertCode(Arrays.copyOf(file, file.length - 1), "truncated");
        assertCode(Arrays.copyOf(file, file.length + 1), "trailing-bytes");
        assertCode(with(file, 8, (byte) 2), "unsupported-version");
        assertCode(with(file, 9, (byte) 4), "malformed");
        assertCode(with(file, 422, (byte) 7), "malformed");
        assertCode(with(file, 422, (byte) 73), "malformed");
        int s = file[422] & 0xFF;
        byte[] huge = file.clone();
        ByteBuffer.wrap(huge).putLong(423 + s, CAP + 1);
        assertCode(huge, "payload-too-large");
        byte[] negative = file.clone();
        ByteBuffer.wrap(negative).putLong(423 + s, -1);
        assertCode(negative, "payload-too-large");
        byte[] size = file.clone();
        ByteBuffer.wrap(size).putLong(114, 4);
        assertCode(size, "payload-size-mismatch");
    }

    @Test
    void openerChecksByName() throws Exception {
        byte[] file = seal("the answer".getBytes(StandardCharsets.UTF_8));
        ResultCapsule c = ResultCapsule.parse(file, CAP);
        assertThatThrownBy(() -> ResultOpener.open(c, SEQ + 1, ResultCapsule.Part.RESULT, ResultKeys.AGENT, ResultKeys.RECIPIENT_SPKI,
                ResultKeys::unwrap)).hasMessageStartingWith("wrong-task:");
        assertThatThrownBy(() -> ResultOpener.open(c, SEQ, ResultCapsule.Part.STDOUT, ResultKeys.AGENT, ResultKeys.RECIPIENT_SPKI,
                ResultKeys::unwrap)).hasMessageStartingWith("wrong-task:");
        assertThatThrownBy(() -> ResultOpener.open(c, SEQ, ResultCapsule.Part.RESULT, ResultKeys.OTHER_AGENT, ResultKeys.RECIPIENT_SPKI,
                ResultKeys::unwrap)).hasMessageStartingWith("agent-certificate-mismatch:");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair other = g.generateKeyPair();
        assertThatThrownBy(() -> ResultOpener.open(c, SEQ, ResultCapsule.Part.RESULT, ResultKeys.AGENT, other.getPublic().getEncoded(),
                ResultKeys::unwrap)).hasMessageStartingWith("wrong-recipient:");
        // sealed by the other agent's key but naming the first agent's certificate: the signature fails
        byte[] forged = ResultSealer.seal("x".getBytes(StandardCharsets.UTF_8), ResultCapsule.Part.RESULT, SEQ, ResultKeys.RECIPIENT,
                ResultKeys.AGENT, ResultKeys.OTHER_AGENT_KEY);
        assertThatThrownBy(() -> open(forged)).hasMessageStartingWith("bad-signature:");
        // a recipient whose TPM refuses (another TPM)
        assertThatThrownBy(() -> ResultOpener.open(c, SEQ, ResultCapsule.Part.RESULT, ResultKeys.AGENT, ResultKeys.RECIPIENT_SPKI,
                w -> {
                    throw new IllegalStateException("TPM_RC_FAILURE");
                })).hasMessageStartingWith("unwrap-failed:").hasMessageContaining("TPM_RC_FAILURE");
        int s = file[422] & 0xFF;
        byte[] payload = file.clone();
        payload[431 + s] ^= 1;
        assertThatThrownBy(() -> open(payload)).hasMessageStartingWith("payload-digest-mismatch:");
    }

    @Test
    void everyHeaderByteFlippedIsRefused() throws Exception {
        byte[] file = seal("flip me".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < file.length; i++) {
            for (int bit = 0; bit < 8; bit += 7) {
                byte[] f = file.clone();
                f[i] ^= (byte) (1 << bit);
                assertThatThrownBy(() -> open(f)).as("byte %d bit %d", i, bit).isInstanceOf(ResultCapsuleException.class);
            }
        }
    }

    @Test
    void aPayloadUnderAReSignedHeaderFailsTheTag() throws Exception {
        // The agent re-signs a header with another plaintext hash over the old payload: GCM's additional data catches it.
        ResultCapsule c = ResultCapsule.parse(seal("one".getBytes(StandardCharsets.UTF_8)), CAP);
        ResultCapsule moved = new ResultCapsule(c.part(), c.taskSeq(), c.agentCertificateSha256(), c.recipientSha256(),
                ContentAddress.sha256().digest("two".getBytes(StandardCharsets.UTF_8)), c.plaintextSize(), c.nonce(), c.wrappedKey(),
                c.payloadSha256(), new byte[8], c.payloadArray());
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(ResultKeys.AGENT_KEY);
        s.update(moved.signedBytes());
        byte[] file = moved.withSignature(s.sign()).encode();
        assertThatThrownBy(() -> open(file)).hasMessageStartingWith("decryption-failed:");
    }

    @Test
    void recipientStatementVerifiesOnlyForItsTaskKeyAndCapsuleList() throws Exception {
        KeyPair owner = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] raw = JcaEd25519.raw(owner.getPublic());
        byte[] list = TaskCapsuleList.digest(List.of(new byte[32]));
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(owner.getPrivate());
        s.update(ResultRecipientStatement.signedBytes(SEQ, ResultKeys.RECIPIENT_SPKI, list));
        byte[] sig = s.sign();
        assertThat(ResultRecipientStatement.signedBytes(7, new byte[] {1}, list)).startsWith("leo-result-key-v2\0".getBytes(StandardCharsets.US_ASCII))
                .hasSize(18 + 8 + 32 + 32);
        assertThat(ResultRecipientStatement.verify(raw, SEQ, ResultKeys.RECIPIENT_SPKI, list, sig)).isTrue();
        assertThat(ResultRecipientStatement.verify(raw, SEQ + 1, ResultKeys.RECIPIENT_SPKI, list, sig)).isFalse();
        assertThat(ResultRecipientStatement.verify(raw, SEQ, ResultKeys.AGENT.getPublicKey().getEncoded(), list, sig)).isFalse();
        assertThat(ResultRecipientStatement.verify(raw, SEQ, ResultKeys.RECIPIENT_SPKI, TaskCapsuleList.digest(List.of()), sig))
                .as("another capsule list").isFalse();
        assertThat(ResultRecipientStatement.verify(raw, SEQ, ResultKeys.RECIPIENT_SPKI, new byte[3], sig)).isFalse();
        assertThat(ResultRecipientStatement.verify(new byte[32], SEQ, ResultKeys.RECIPIENT_SPKI, list, sig)).isFalse();
        assertThat(ResultRecipientStatement.verify(raw, SEQ, ResultKeys.RECIPIENT_SPKI, list, new byte[3])).isFalse();
    }

    private static byte[] with(byte[] file, int offset, byte value) {
        byte[] f = file.clone();
        f[offset] = value;
        return f;
    }

    private static void assertCode(byte[] bytes, String code) {
        assertThatThrownBy(() -> ResultCapsule.parse(bytes, CAP)).isInstanceOfSatisfying(ResultCapsuleException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }
}
