package org.leo.protocol.keywrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.nist.NISTNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/**
 * {@link AgentKeyWrap} against an independent implementation of the documented format: BouncyCastle's
 * lightweight ECDH, HKDF and AES-GCM (no JCA, so none of our code and none of the JDK's EC). The
 * appliance has BouncyCastle; the agent does not, which is why the production code is JCA only.
 */
class AgentKeyWrapCrossCheckTest {
    private static final X9ECParameters CURVE = NISTNamedCurves.getByName("P-256");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());

    @Test
    void theRfc5903PairGivesTheRfcsSharedSecret() {
        ECDHBasicAgreement ecdh = new ECDHBasicAgreement();
        ecdh.init(bcPrivate((ECPrivateKey) TestKeys.EPHEMERAL.getPrivate()));
        BigInteger z = ecdh.calculateAgreement(bcPublic((ECPublicKey) TestKeys.AGENT.getPublic()));
        assertThat(z).isEqualTo(new BigInteger(TestKeys.SHARED_X, 16));
    }

    @Test
    void bouncyCastleSealsTheKnownAnswerToTheSameBytes() throws Exception {
        byte[] sealed = bcSeal((ECPrivateKey) TestKeys.EPHEMERAL.getPrivate(), TestKeys.agentPublic(), KnownAnswer.SECRET,
                KnownAnswer.CONTEXT.encode(), KnownAnswer.NONCE);
        byte[] ours = AgentKeyWrap.seal(TestKeys.AGENT.getPublic(), KnownAnswer.SECRET, KnownAnswer.CONTEXT.encode(),
                TestKeys.EPHEMERAL, KnownAnswer.NONCE);
        System.out.println("known answer: " + HexFormat.of().formatHex(ours));
        assertThat(HexFormat.of().formatHex(sealed)).isEqualTo(HexFormat.of().formatHex(ours));
    }

    @Test
    void bouncyCastleOpensWhatWeSealedAndWeOpenWhatItSealed() throws Exception {
        var agent = AgentKeyWrapTest.p256();
        byte[] context = KnownAnswer.CONTEXT.encode();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        byte[] sealed = AgentKeyWrap.seal(agent.getPublic(), secret, context);
        assertThat(bcOpen((ECPrivateKey) agent.getPrivate(), sealed, context)).isEqualTo(secret);

        var ephemeral = AgentKeyWrapTest.p256();
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        byte[] theirs = bcSeal((ECPrivateKey) ephemeral.getPrivate(), AgentKeyWrapTest.publicOf(agent), secret, context, nonce);
        // the point is the ephemeral public key, written by BouncyCastle's own encoder
        assertThat(Arrays.copyOfRange(theirs, 1, 66)).isEqualTo(bcPublic(AgentKeyWrapTest.publicOf(ephemeral)).getQ().getEncoded(false));
        assertThat(AgentKeyWrap.open(agent.getPrivate(), theirs, context)).isEqualTo(secret);
    }

    /** The format of {@link AgentKeyWrap}'s class comment, written out with BouncyCastle. */
    private static byte[] bcSeal(ECPrivateKey ephemeral, ECPublicKey agent, byte[] secret, byte[] context, byte[] nonce) throws Exception {
        ECPrivateKeyParameters e = bcPrivate(ephemeral);
        byte[] point = DOMAIN.getG().multiply(e.getD()).normalize().getEncoded(false);
        byte[] key = bcKey(e, bcPublic(agent), point, context);
        GCMBlockCipher gcm = new GCMBlockCipher(new AESEngine());
        gcm.init(true, new AEADParameters(new KeyParameter(key), 128, nonce));
        byte[] header = new byte[78];
        header[0] = 1;
        System.arraycopy(point, 0, header, 1, 65);
        System.arraycopy(nonce, 0, header, 66, 12);
        gcm.processAADBytes(header, 0, header.length);
        byte[] out = new byte[78 + gcm.getOutputSize(secret.length)];
        System.arraycopy(header, 0, out, 0, 78);
        int n = gcm.processBytes(secret, 0, secret.length, out, 78);
        gcm.doFinal(out, 78 + n);
        return out;
    }

    private static byte[] bcOpen(ECPrivateKey agent, byte[] sealed, byte[] context) throws Exception {
        assertThat(sealed[0]).isEqualTo((byte) 1);
        byte[] point = Arrays.copyOfRange(sealed, 1, 66);
        ECPoint q = CURVE.getCurve().decodePoint(point);
        byte[] key = bcKey(bcPrivate(agent), new ECPublicKeyParameters(q, DOMAIN), point, context);
        GCMBlockCipher gcm = new GCMBlockCipher(new AESEngine());
        gcm.init(false, new AEADParameters(new KeyParameter(key), 128, Arrays.copyOfRange(sealed, 66, 78)));
        gcm.processAADBytes(sealed, 0, 78);
        byte[] out = new byte[gcm.getOutputSize(sealed.length - 78)];
        int n = gcm.processBytes(sealed, 78, sealed.length - 78, out, 0);
        gcm.doFinal(out, n);
        return out;
    }

    /** HKDF-SHA256(salt = point, IKM = Z as 32 bytes, info = "leo-key-release-v1\0" || context, 32). */
    private static byte[] bcKey(ECPrivateKeyParameters mine, ECPublicKeyParameters theirs, byte[] point, byte[] context) {
        ECDHBasicAgreement ecdh = new ECDHBasicAgreement();
        ecdh.init(mine);
        byte[] z = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, ecdh.calculateAgreement(theirs));
        byte[] label = "leo-key-release-v1\0".getBytes(StandardCharsets.US_ASCII);
        byte[] info = Arrays.copyOf(label, label.length + context.length);
        System.arraycopy(context, 0, info, label.length, context.length);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(z, point, info));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, 32);
        return key;
    }

    private static ECPrivateKeyParameters bcPrivate(ECPrivateKey key) {
        return new ECPrivateKeyParameters(key.getS(), DOMAIN);
    }

    private static ECPublicKeyParameters bcPublic(ECPublicKey key) {
        return new ECPublicKeyParameters(CURVE.getCurve().createPoint(key.getW().getAffineX(), key.getW().getAffineY()), DOMAIN);
    }
}
