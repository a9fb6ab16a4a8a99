package org.leo.attest.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.leo.boot.manifest.Sha256;

/**
 * The appliance CA: an ECDSA P-256 key and a self-signed certificate kept in a directory
 * ({@code ca.key}, owner-only, and {@code ca.crt}), created on first use. It issues the
 * attestation server's TLS certificate and the HPC agents' short-lived client certificates. The
 * agent pins it by the SHA-256 of its certificate ({@link #fingerprint()}), which reaches the HPC
 * on the measured kernel command line ({@code leo.ca=}).
 */
public final class ApplianceCa {
    public static final String KEY_FILE = "ca.key";
    public static final String CERT_FILE = "ca.crt";
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    /** Clock skew allowed for: certificates start this much before they are issued. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private final PrivateKey key;
    private final X509Certificate certificate;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private ApplianceCa(PrivateKey key, X509Certificate certificate, Clock clock) {
        this.key = key;
        this.certificate = certificate;
        this.clock = clock;
    }

    /**
     * Loads the CA from {@code dir}, creating key and certificate there if absent. The pair is
     * written so that a crash at any point leaves either no CA (creation starts over: nothing was
     * issued by a CA that never finished being created), or a whole pair: both are written as
     * {@code .new} files and fsynced, then the certificate and then the key are renamed into place;
     * a load that finds the certificate and {@code ca.key.new} finishes the second rename. A loaded
     * key must match its certificate.
     */
    public static ApplianceCa loadOrCreate(Path dir, Clock clock) throws IOException, GeneralSecurityException {
        Path keyFile = dir.resolve(KEY_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        Path keyNew = dir.resolve(KEY_FILE + ".new");
        Path certNew = dir.resolve(CERT_FILE + ".new");
        if (Files.exists(certFile) && !Files.exists(keyFile) && Files.exists(keyNew)) {
            Files.move(keyNew, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // the crash fell between the two renames
            syncDirectory(dir);
        }
        if (Files.exists(keyFile) && Files.exists(certFile)) {
            ApplianceCa ca = new ApplianceCa(Pem.readPrivateKey(keyFile), Pem.readCertificate(certFile), clock);
            ca.checkPair(dir);
            return ca;
        }
        if (Files.exists(keyFile) || Files.exists(certFile)) {
            throw new IOException(dir + " holds only one of " + KEY_FILE + " and " + CERT_FILE + "; remove it or restore the other");
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(keyNew); // a creation that never finished
        Files.deleteIfExists(certNew);
        KeyPair kp = newKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500Name("CN=Leo appliance CA,O=Leo");
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_LIFETIME)), name, kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = sign(b, kp.getPrivate());
        Pem.writePrivate(keyNew, Pem.encode(kp.getPrivate()));
        Files.writeString(certNew, Pem.encode(cert), StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SYNC);
        syncDirectory(dir);
        Files.move(certNew, certFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(keyNew, keyFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dir);
        return new ApplianceCa(kp.getPrivate(), cert, clock);
    }

    private void checkPair(Path dir) throws IOException, GeneralSecurityException {
        java.security.Signature sig = java.security.Signature.getInstance("SHA256withECDSA");
        sig.initSign(key);
        byte[] probe = "leo-ca-pair-check".getBytes(StandardCharsets.US_ASCII);
        sig.update(probe);
        byte[] signed = sig.sign();
        sig.initVerify(certificate.getPublicKey());
        sig.update(probe);
        if (!sig.verify(signed)) {
            throw new IOException(dir + ": " + KEY_FILE + " is not the key of " + CERT_FILE);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    public static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** SHA-256 of the CA certificate's DER, lower-case hex: what the agent pins. */
    public String fingerprint() {
        return fingerprint(certificate);
    }

    public static String fingerprint(X509Certificate cert) {
        try {
            return Sha256.hex(cert.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate for an enrolled HPC: CN = its id, clientAuth only, valid for {@code lifetime}. */
    public X509Certificate issueClient(PublicKey subjectKey, String hpcId, Duration lifetime) throws GeneralSecurityException {
        Instant now = clock.instant();
        X509v3CertificateBuilder b = builder(new X500Name("CN=" + rdnSafe(hpcId) + ",O=Leo HPC"), subjectKey, now, now.plus(lifetime));
        try {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return sign(b, key);
    }

    /** The attestation server's TLS certificate for {@code hosts} (IP literals or DNS names). */
    public X509Certificate issueServer(PublicKey subjectKey, List<String> hosts, Duration lifetime) throws GeneralSecurityException {
        Instant now = clock.instant();
        X509v3CertificateBuilder b = builder(new X500Name("CN=Leo attestation server,O=Leo"), subjectKey, now, now.plus(lifetime));
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
            names.add(isIpLiteral(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        try {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return sign(b, key);
    }

    private X509v3CertificateBuilder builder(X500Name subject, PublicKey key, Instant from, Instant to) throws GeneralSecurityException {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(random),
                Date.from(from.minus(BACKDATE)), Date.from(to), subject, key);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return b;
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** 127 random bits: positive, unique in practice, not guessable. */
    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).setBit(126);
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        return host.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch)) && host.chars().filter(ch -> ch == '.').count() == 3;
    }

    private static String rdnSafe(String s) {
        return s.replaceAll("[^A-Za-z0-9:._-]", "_");
    }
}
