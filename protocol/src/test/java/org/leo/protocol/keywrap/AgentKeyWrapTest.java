package org.leo.protocol.keywrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.Test;

/** {@link AgentKeyWrap}: the round trip, the known answer, and every way sealed bytes must fail to open, by name. */
class AgentKeyWrapTest {
    static final String DOES_NOT_OPEN = "sealed key does not open: it was sealed to another agent key or for another context,"
            + " or it was altered";
    private static final String POINT = "sealed key: the ephemeral point ";

    private final SecureRandom random = new SecureRandom();
    private final KeyPair agent = p256();
    private final ReleaseContext context = new ReleaseContext("task-42", sha256("capsule"), sha256("agent certificate"));

    @Test
    void aSealedKeyOpensWithTheAgentKeyForTheSameContext() throws Exception {
        for (int size : new int[] {1, 16, 32, 255, AgentKeyWrap.MAX_SECRET_BYTES}) {
            byte[] secret = randomBytes(size);
            byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), secret, context.encode());
            assertThat(sealed).hasSize(94 + size);
            assertThat(sealed[0]).isEqualTo((byte) 1);
            assertThat(AgentKeyWrap.open(agent.getPrivate(), sealed, context.encode())).as("%d bytes", size).isEqualTo(secret);
        }
        byte[] secret = randomBytes(32);
        assertThat(AgentKeyWrap.seal(agent.getPublic(), secret, context.encode()))
                .as("a fresh ephemeral key and nonce each time").isNotEqualTo(AgentKeyWrap.seal(agent.getPublic(), secret, context.encode()));
        assertThat(AgentKeyWrap.open(agent.getPrivate(), AgentKeyWrap.seal(agent.getPublic(), secret, new byte[0]), new byte[0]))
                .as("an empty context is a context").isEqualTo(secret);
    }

    /**
     * Fixed keys (RFC 5903's ECDH pair), nonce, secret and context: pins the format and the key
     * schedule for any other implementation. {@code AgentKeyWrapCrossCheckTest} computes the same
     * bytes with BouncyCastle's ECDH, HKDF and GCM.
     */
    @Test
    void knownAnswer() throws Exception {
        byte[] sealed = AgentKeyWrap.seal(TestKeys.AGENT.getPublic(), KnownAnswer.SECRET, KnownAnswer.CONTEXT.encode(),
                TestKeys.EPHEMERAL, KnownAnswer.NONCE);
        assertThat(HexFormat.of().formatHex(sealed)).isEqualTo(KnownAnswer.SEALED);
        assertThat(AgentKeyWrap.open(TestKeys.AGENT.getPrivate(), sealed, KnownAnswer.CONTEXT.encode())).isEqualTo(KnownAnswer.SECRET);
    }

    @Test
    void anotherAgentKeyCannotOpenIt() {
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), randomBytes(32), context.encode());
        assertThatThrownBy(() -> AgentKeyWrap.open(p256().getPrivate(), sealed, context.encode()))
                .isInstanceOf(KeyWrapException.class).hasMessage(DOES_NOT_OPEN);
    }

    @Test
    void aKeyReleasedForOneTaskCapsuleOrAgentDoesNotOpenForAnother() {
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), randomBytes(32), context.encode());
        ReleaseContext[] others = {
            new ReleaseContext("task-43", context.capsuleDigest(), context.agentCertificateSha256()),
            new ReleaseContext("task-42", sha256("another capsule"), context.agentCertificateSha256()),
            new ReleaseContext("task-42", context.capsuleDigest(), sha256("another agent certificate")),
        };
        for (ReleaseContext other : others) {
            assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), sealed, other.encode())).as(other.toString())
                    .isInstanceOf(KeyWrapException.class).hasMessage(DOES_NOT_OPEN);
        }
        assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), sealed, new byte[0])).hasMessage(DOES_NOT_OPEN);
    }

    @Test
    void everyFlippedBitIsRefused() {
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), randomBytes(32), context.encode());
        for (int i = 0; i < sealed.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = sealed.clone();
                flipped[i] ^= (byte) (1 << bit);
                String expected;
                if (i == 0) {
                    expected = "sealed key: version " + (1 ^ (1 << bit)) + " is not one this agent opens (expected 1)";
                } else if (i == 1) {
                    int prefix = 4 ^ (1 << bit);
                    expected = prefix == 0 ? POINT + "is the point at infinity (prefix 0x00)"
                            : String.format(POINT + "has prefix 0x%02x, expected 0x04 (uncompressed)", prefix);
                } else if (i < 66) {
                    expected = null; // off the curve, or (rarely, in a high bit) a coordinate >= p
                } else {
                    expected = DOES_NOT_OPEN;
                }
                var thrown = assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), flipped, context.encode()))
                        .as("byte %d bit %d", i, bit).isInstanceOf(KeyWrapException.class);
                if (expected != null) {
                    thrown.hasMessage(expected);
                } else {
                    thrown.hasMessageMatching("sealed key: the ephemeral point (is not a point on P-256|has a coordinate that is not below the field prime)");
                }
            }
        }
    }

    @Test
    void truncatedAndExtendedInputsAreRefused() {
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), randomBytes(32), context.encode());
        for (int n = 0; n < sealed.length; n++) {
            byte[] cut = Arrays.copyOf(sealed, n);
            var thrown = assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), cut, context.encode())).as("%d bytes", n)
                    .isInstanceOf(KeyWrapException.class);
            thrown.hasMessage(n < 95 ? "sealed key: expected 95..350 bytes, got " + n : DOES_NOT_OPEN);
        }
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), longer, context.encode())).hasMessage(DOES_NOT_OPEN);
        assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), new byte[351], context.encode()))
                .hasMessage("sealed key: expected 95..350 bytes, got 351");
    }

    @Test
    void anEphemeralPointOffTheCurveIsRefusedBeforeEcdh() {
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), randomBytes(32), context.encode());
        ECPoint w = point(sealed);
        assertThatThrownBy(() -> open(withPoint(sealed, 0x04, w.getAffineX(), w.getAffineY().add(BigInteger.ONE))))
                .isInstanceOf(KeyWrapException.class).hasMessage(POINT + "is not a point on P-256");
        assertThatThrownBy(() -> open(withPoint(sealed, 0x04, BigInteger.ZERO, BigInteger.ZERO)))
                .as("(0, 0), how some libraries write infinity").hasMessage(POINT + "is not a point on P-256");
        BigInteger p = ((ECFieldFp) P256.SPEC.getCurve().getField()).getP();
        assertThatThrownBy(() -> open(withPoint(sealed, 0x04, p, w.getAffineY())))
                .as("x = p").hasMessage(POINT + "has a coordinate that is not below the field prime");
        assertThatThrownBy(() -> open(withPoint(sealed, 0x04, w.getAffineX(), BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE))))
                .as("y = 2^256 - 1").hasMessage(POINT + "has a coordinate that is not below the field prime");
        assertThatThrownBy(() -> open(withPoint(sealed, 0x00, BigInteger.ZERO, BigInteger.ZERO)))
                .hasMessage(POINT + "is the point at infinity (prefix 0x00)");
        assertThatThrownBy(() -> open(withPoint(sealed, 0x02, w.getAffineX(), BigInteger.ZERO)))
                .hasMessage(POINT + "is compressed (prefix 0x02), expected uncompressed (0x04)");
        assertThatThrownBy(() -> open(withPoint(sealed, 0x06, w.getAffineX(), w.getAffineY())))
                .as("hybrid encoding").hasMessage(POINT + "has prefix 0x06, expected 0x04 (uncompressed)");
    }

    /**
     * Why {@link P256#decode} checks the curve equation itself: the JDK 17's {@code KeyFactory}
     * makes a key of a point off the curve without complaint; only SunEC's ECDH refuses it later,
     * and a provider that does not would hand out a product on another, weak curve.
     */
    @Test
    void theJdkKeyFactoryAcceptsAPointOffTheCurveSoOpenChecksItself() throws Exception {
        ECPoint w = TestKeys.agentPublic().getW();
        ECPoint off = new ECPoint(w.getAffineX(), w.getAffineY().add(BigInteger.ONE));
        PublicKey offCurve = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(off, P256.SPEC));
        assertThat(offCurve).isNotNull();
        KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
        ecdh.init(agent.getPrivate());
        assertThatThrownBy(() -> ecdh.doPhase(offCurve, true)).hasMessageContaining("not on curve");
        assertThatThrownBy(() -> AgentKeyWrap.seal(offCurve, new byte[32], new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agent key is not a point on P-256");
    }

    @Test
    void callerMistakesAreIllegalArguments() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        KeyPair rsaPair = rsa.generateKeyPair();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = ec.generateKeyPair();
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), new byte[32], new byte[0]);

        assertThatThrownBy(() -> AgentKeyWrap.seal(rsaPair.getPublic(), new byte[32], new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agent key: expected an EC P-256 public key, got a key of type RSA");
        assertThatThrownBy(() -> AgentKeyWrap.seal(p384.getPublic(), new byte[32], new byte[0]))
                .hasMessage("agent key: expected an EC P-256 public key, got an EC key on a 384-bit curve");
        assertThatThrownBy(() -> AgentKeyWrap.open(p384.getPrivate(), sealed, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agent key: expected an EC P-256 private key, got an EC key on a 384-bit curve");
        assertThatThrownBy(() -> AgentKeyWrap.seal(agent.getPublic(), new byte[0], new byte[0]))
                .hasMessage("secret: expected 1..256 bytes, got 0");
        assertThatThrownBy(() -> AgentKeyWrap.seal(agent.getPublic(), new byte[257], new byte[0]))
                .hasMessage("secret: expected 1..256 bytes, got 257");
        assertThatThrownBy(() -> AgentKeyWrap.seal(agent.getPublic(), new byte[32], new byte[1025]))
                .hasMessage("context: expected at most 1024 bytes, got 1025");
        assertThatThrownBy(() -> AgentKeyWrap.open(agent.getPrivate(), sealed, new byte[1025]))
                .hasMessage("context: expected at most 1024 bytes, got 1025");
    }

    private byte[] open(byte[] sealed) throws KeyWrapException {
        return AgentKeyWrap.open(agent.getPrivate(), sealed, context.encode());
    }

    private static ECPoint point(byte[] sealed) {
        return new ECPoint(new BigInteger(1, Arrays.copyOfRange(sealed, 2, 34)), new BigInteger(1, Arrays.copyOfRange(sealed, 34, 66)));
    }

    /** {@code sealed} with its point replaced by prefix || x || y, each coordinate in its 32 bytes. */
    private static byte[] withPoint(byte[] sealed, int prefix, BigInteger x, BigInteger y) {
        byte[] out = sealed.clone();
        out[1] = (byte) prefix;
        put(x, out, 2);
        put(y, out, 34);
        return out;
    }

    private static void put(BigInteger v, byte[] out, int offset) {
        byte[] raw = v.toByteArray();
        int n = Math.min(raw.length, 32);
        Arrays.fill(out, offset, offset + 32, (byte) 0);
        System.arraycopy(raw, raw.length - n, out, offset + 32 - n, n);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static byte[] sha256(String s) {
        return ReleaseContext.sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECPublicKey publicOf(KeyPair pair) {
        return (ECPublicKey) pair.getPublic();
    }
}
