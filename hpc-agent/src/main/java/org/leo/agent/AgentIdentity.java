package org.leo.agent;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

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

    /** A fresh EC P-256 key pair and its self-signed certificate, named after {@code hpc}. */
    public static AgentIdentity generate(String hpc) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = g.generateKeyPair();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X500Name name = new X500Name("CN=" + hpc.replaceAll("[^A-Za-z0-9:._-]", "_") + ",O=Leo HPC agent");
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()).setBit(62), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(1, ChronoUnit.DAYS)), name, kp.getPublic()).build(signer));
            return new AgentIdentity(kp, cert);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** PKCS#10 request over this key, DER. */
    public byte[] csr(String hpc) throws GeneralSecurityException {
        try {
            return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + hpc.replaceAll("[^A-Za-z0-9:._-]", "_")), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())).getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException(e);
        }
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
