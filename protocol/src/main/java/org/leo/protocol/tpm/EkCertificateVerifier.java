package org.leo.protocol.tpm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks a TPM's endorsement key certificate against the manufacturer roots the operator configured
 * ({@code --attest-ek-roots DIR}), so the verifier knows the EK lives in a real TPM of a known
 * manufacturer (TCG EK Credential Profile 2.5, section 3). Plain JCA: PKIX path validation
 * (RFC 5280, 6) without revocation, with {@link TcgExtensionChecker} for the TCG extensions.
 *
 * <p>Trust anchors: every certificate in the directory (PEM files, possibly several certificates
 * each, or DER files; self-signed or not - a vendor's intermediate CA may be pinned directly).
 * Intermediates: those the HPC sends with the EK certificate (real TPMs ship them in NV or the
 * manufacturer publishes them); they are untrusted path material, used only when they chain to an
 * anchor. So an operator can configure just the manufacturer root, and an HPC can still present a
 * chain through the manufacturer's intermediate CA.
 *
 * <p>Checks, each failure one sentence: the EK certificate's public key is the TPM's EK; every
 * certificate in the chain is valid at the given time; each is signed by the next and the last by
 * a configured root; PKIX (basic constraints, key usage, critical extensions); the EK certificate's
 * extended key usage, when present, names an EK certificate.
 */
public final class EkCertificateVerifier {
    /** A certificate larger than this is refused unparsed (EK certificates are 1-2 KiB). */
    public static final int MAX_CERTIFICATE_BYTES = EndorsementCommands.MAX_CERTIFICATE_BYTES;
    /** Manufacturer chains have one or two intermediates; more is refused. */
    public static final int MAX_INTERMEDIATES = 4;

    private final String source;
    private final List<X509Certificate> roots;

    private EkCertificateVerifier(String source, List<X509Certificate> roots) {
        this.source = source;
        this.roots = List.copyOf(roots);
    }

    /**
     * Every certificate in the regular, non-hidden files of {@code dir}.
     *
     * @throws IOException if the directory cannot be read, a file holds no certificate, or there is none at all
     */
    public static EkCertificateVerifier fromDirectory(Path dir) throws IOException {
        List<X509Certificate> roots = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        for (Path file : files) {
            Collection<? extends Certificate> certs;
            try {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
            } catch (CertificateException e) {
                throw new IOException(file + " is neither a PEM nor a DER X.509 certificate: " + e.getMessage(), e);
            }
            if (certs.isEmpty()) {
                throw new IOException(file + " holds no certificate");
            }
            certs.forEach(c -> roots.add((X509Certificate) c));
        }
        if (roots.isEmpty()) {
            throw new IOException("no EK root certificates in " + dir);
        }
        return new EkCertificateVerifier(dir.toString(), roots);
    }

    /** A verifier over {@code roots}, named {@code source} in messages. */
    public static EkCertificateVerifier of(String source, List<X509Certificate> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("no EK root certificates in " + source);
        }
        return new EkCertificateVerifier(source, roots);
    }

    /** The configured roots. */
    public List<X509Certificate> roots() {
        return roots;
    }

    /**
     * Verifies {@code ekCertificate} (DER) for {@code tpmEk} at time {@code at}.
     *
     * @param intermediates DER certificates the HPC sent (untrusted, at most {@link #MAX_INTERMEDIATES})
     * @return the parsed EK certificate
     */
    public X509Certificate verify(byte[] ekCertificate, List<byte[]> intermediates, PublicKey tpmEk, Instant at)
            throws EkCertificateException {
        Objects.requireNonNull(tpmEk, "tpmEk");
        Objects.requireNonNull(at, "at");
        X509Certificate ek = parse("EK certificate", ekCertificate);
        if (intermediates.size() > MAX_INTERMEDIATES) {
            throw new EkCertificateException("the TPM sent " + intermediates.size() + " intermediate certificates, more than the "
                    + MAX_INTERMEDIATES + " accepted");
        }
        List<X509Certificate> pool = new ArrayList<>();
        for (int i = 0; i < intermediates.size(); i++) {
            pool.add(parse("intermediate certificate " + (i + 1), intermediates.get(i)));
        }
        if (!PublicKeys.same(ek.getPublicKey(), tpmEk)) {
            throw new EkCertificateException("EK certificate " + describe(ek) + " is for " + PublicKeys.describe(ek.getPublicKey())
                    + ", but the TPM's endorsement key is " + PublicKeys.describe(tpmEk));
        }
        List<X509Certificate> path = new ArrayList<>(List.of(ek));
        X509Certificate anchor = null;
        while (anchor == null) {
            X509Certificate current = path.get(path.size() - 1);
            checkValidity(path.size() == 1 ? "EK certificate" : "intermediate certificate", current, at);
            anchor = signer(current, roots);
            if (anchor != null) {
                break;
            }
            X509Certificate next = signer(current, pool);
            if (next == null || path.contains(next) || path.size() > MAX_INTERMEDIATES) {
                throw new EkCertificateException((path.size() == 1 ? "EK certificate" : "intermediate certificate "
                        + current.getSubjectX500Principal().getName()) + " issued by " + current.getIssuerX500Principal().getName()
                        + " is not signed by any of the " + roots.size() + " roots in " + source
                        + (pool.isEmpty() ? "" : " or the " + pool.size() + " intermediate certificates the TPM sent"));
            }
            path.add(next);
        }
        validate(path, anchor, at);
        return ek;
    }

    private void validate(List<X509Certificate> path, X509Certificate anchor, Instant at) throws EkCertificateException {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            params.addCertPathChecker(new TcgExtensionChecker(path.get(0)));
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            int index = e.getIndex();
            String which = index <= 0 ? "EK certificate " + describe(path.get(0))
                    : "intermediate certificate " + path.get(index).getSubjectX500Principal().getName();
            throw new EkCertificateException(which + " does not validate against root "
                    + anchor.getSubjectX500Principal().getName() + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new EkCertificateException("EK certificate " + describe(path.get(0)) + " cannot be validated: " + e.getMessage(), e);
        }
    }

    /** The certificate among {@code candidates} whose subject is {@code cert}'s issuer and whose key verifies its signature. */
    private static X509Certificate signer(X509Certificate cert, List<X509Certificate> candidates) {
        for (X509Certificate c : candidates) {
            if (c.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                try {
                    cert.verify(c.getPublicKey());
                    return c;
                } catch (GeneralSecurityException | RuntimeException e) {
                    // same name, other key: keep looking
                }
            }
        }
        return null;
    }

    private static void checkValidity(String what, X509Certificate cert, Instant at) throws EkCertificateException {
        try {
            cert.checkValidity(Date.from(at));
        } catch (CertificateExpiredException e) {
            throw new EkCertificateException(what + " " + describe(cert) + " expired at " + cert.getNotAfter().toInstant()
                    + " (checked at " + at + ")");
        } catch (CertificateNotYetValidException e) {
            throw new EkCertificateException(what + " " + describe(cert) + " is not valid until " + cert.getNotBefore().toInstant()
                    + " (checked at " + at + ")");
        }
    }

    private static X509Certificate parse(String what, byte[] der) throws EkCertificateException {
        if (der.length == 0 || der.length > MAX_CERTIFICATE_BYTES) {
            throw new EkCertificateException(what + " is " + der.length + " bytes, expected 1.." + MAX_CERTIFICATE_BYTES);
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new EkCertificateException(what + " is not a DER X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** "(serial 2, issued by CN=swtpm-localca)": EK certificates often have an empty or generic subject. */
    static String describe(X509Certificate cert) {
        return "(serial " + cert.getSerialNumber().toString(16) + ", issued by " + cert.getIssuerX500Principal().getName() + ")";
    }
}
