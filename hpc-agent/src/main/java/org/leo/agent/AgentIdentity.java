package org.leo.agent;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The agent's key pair, generated in RAM at start and never written anywhere, with the self-signed
 * certificate it shows on the enrollment port and the CSR it sends there. After enrollment (or a
 * renewal) it also holds the certificate chain the appliance CA issued for this key.
 */
public final class AgentIdentity {
    private final KeyPair keys;
    private final X509Certificate selfSigned;
    private volatile X509Certificate[] issued;

    private AgentIdentity(KeyPair keys, X509Certificate selfSigned) {
        this.keys = keys;
        this.selfSigned = selfSigned;
    }

    /**
     * A fresh EC P-256 key pair and its self-signed certificate, named after {@code hpc}: X.509 v3,
     * no extensions, valid from a minute ago for a day (only the enrollment port sees it; the
     * server pins nothing in it but the key).
     */
    public static AgentIdentity generate(String hpc) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        byte[] name = Der.name(Der.COMMON_NAME, commonName(hpc), Der.ORGANIZATION, "Leo HPC agent");
        byte[] tbs = Der.sequence(
                Der.tlv(0xa0, Der.integer(BigInteger.TWO)), // [0] EXPLICIT version: v3
                Der.integer(new BigInteger(64, new SecureRandom()).setBit(62)),
                Der.ecdsaWithSha256(),
                name,
                Der.sequence(Der.time(now.minusSeconds(60)), Der.time(now.plus(1, ChronoUnit.DAYS))),
                name,
                kp.getPublic().getEncoded());
        byte[] der = signed(tbs, kp.getPrivate());
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
        return new AgentIdentity(kp, cert);
    }

    /** PKCS#10 request over this key, DER (RFC 2986: subject CN=hpc, no attributes). */
    public byte[] csr(String hpc) throws GeneralSecurityException {
        byte[] info = Der.sequence(
                Der.integer(BigInteger.ZERO),
                Der.name(Der.COMMON_NAME, commonName(hpc)),
                keys.getPublic().getEncoded(),
                Der.tlv(0xa0, new byte[0])); // [0] IMPLICIT attributes: none
        return signed(info, keys.getPrivate());
    }

    /** SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING signature }: a certificate's or a request's frame. */
    private static byte[] signed(byte[] tbs, PrivateKey key) throws GeneralSecurityException {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(tbs);
        return Der.sequence(tbs, Der.ecdsaWithSha256(), Der.bitString(s.sign()));
    }

    /** {@code hpc} with anything but letters, digits and {@code :._-} replaced by {@code _}. */
    static String commonName(String hpc) {
        return hpc.replaceAll("[^A-Za-z0-9:._-]", "_");
    }

    public PrivateKey privateKey() {
        return keys.getPrivate();
    }

    public X509Certificate selfSigned() {
        return selfSigned;
    }

    /** The CA-issued chain (leaf first), or null before enrollment. */
    public X509Certificate[] issued() {
        X509Certificate[] c = issued;
        return c == null ? null : c.clone();
    }

    void setIssued(X509Certificate[] chain) {
        if (!chain[0].getPublicKey().equals(keys.getPublic())) {
            throw new IllegalArgumentException("the issued certificate is for another key");
        }
        this.issued = chain.clone();
    }
}
