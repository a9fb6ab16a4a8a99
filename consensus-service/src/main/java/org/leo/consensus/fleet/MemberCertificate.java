package org.leo.consensus.fleet;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A member's TLS certificate: X.509, self-signed over its Ed25519 verdict key (TLS 1.3 signature
 * scheme ed25519, RFC 8446 4.2.3; JDK 17's JSSE offers it). No CA vouches for it: the key is the
 * identity, and whether that identity may talk to a Pi is decided by the ledger and the static peer
 * list ({@link FleetTrust}), never by the certificate's names or dates.
 */
public final class MemberCertificate {
    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 4): SEQUENCE, AlgorithmIdentifier 1.3.101.112, BIT STRING. */
    static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    /** Long: the certificate carries no trust, and Pis whose clocks drift must still talk. */
    static final Duration LIFETIME = Duration.ofDays(3650);

    /** The private key and certificate a Pi's TLS layer presents. */
    public record Identity(PrivateKey key, X509Certificate certificate) { }

    private MemberCertificate() {
    }

    /** A certificate over the Ed25519 public key of {@code secret}, signed by it, valid from a day before {@code now}. */
    public static Identity selfSigned(byte[] secret, Instant now) {
        byte[] pub = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(secret, 0, pub, 0);
        try {
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, secret));
            X500Name name = new X500Name("CN=leo-member-" + HexFormat.of().formatHex(pub, 0, 8));
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(concat(ED25519_SPKI_PREFIX, pub));
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(name, new BigInteger(1, Arrays.copyOf(pub, 16)),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(LIFETIME)), name, spki);
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").build(key)));
            return new Identity(key, cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make an Ed25519 member certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The member key a peer's certificate stands for, after checking that it is an Ed25519
     * certificate signed by its own key; any other certificate is refused with a sentence.
     */
    public static byte[] memberKey(X509Certificate cert) throws CertificateException {
        byte[] spki = cert.getPublicKey().getEncoded();
        if (spki == null || spki.length != ED25519_SPKI_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE
                || !Arrays.equals(spki, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0, ED25519_SPKI_PREFIX.length)) {
            throw new CertificateException("the certificate's key is " + cert.getPublicKey().getAlgorithm() + ", not an Ed25519 member key");
        }
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the certificate is not signed by its own Ed25519 key: " + e.getMessage());
        }
        return Arrays.copyOfRange(spki, ED25519_SPKI_PREFIX.length, spki.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
