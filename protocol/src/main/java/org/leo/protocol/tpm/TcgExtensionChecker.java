package org.leo.protocol.tpm;

import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Lets the JDK's PKIX validator accept the extensions an EK certificate may mark critical (TCG EK
 * Credential Profile 2.5, 3.2), and only those; any other unknown critical extension still fails
 * validation as RFC 5280, 4.2 requires.
 * <ul>
 *   <li>2.5.29.17 subjectAltName: critical when the subject is empty; a directoryName with the TPM
 *       manufacturer (2.23.133.2.1), model (2.23.133.2.2) and version (2.23.133.2.3). Checked to
 *       parse; its values are claims of the manufacturer, not used for trust.</li>
 *   <li>2.5.29.9 subjectDirectoryAttributes: the TPM specification (2.23.133.2.16) and security
 *       assertions; the profile says non-critical, some manufacturers differ. Informational.</li>
 *   <li>2.5.29.37 extendedKeyUsage: tcg-kp-EKCertificate (2.23.133.8.1); on the EK certificate,
 *       when present, it must contain that purpose (or anyExtendedKeyUsage).</li>
 * </ul>
 * Stateless, so forward checking is supported.
 */
final class TcgExtensionChecker extends PKIXCertPathChecker {
    static final String SUBJECT_ALT_NAME = "2.5.29.17";
    static final String SUBJECT_DIRECTORY_ATTRIBUTES = "2.5.29.9";
    static final String EXTENDED_KEY_USAGE = "2.5.29.37";
    static final String TCG_KP_EK_CERTIFICATE = "2.23.133.8.1";
    static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private final X509Certificate ekCertificate;

    /** @param ekCertificate the leaf: the certificate whose extended key usage must name an EK */
    TcgExtensionChecker(X509Certificate ekCertificate) {
        this.ekCertificate = ekCertificate;
    }

    @Override
    public void init(boolean forward) {
    }

    @Override
    public boolean isForwardCheckingSupported() {
        return true;
    }

    @Override
    public Set<String> getSupportedExtensions() {
        return Set.of(SUBJECT_ALT_NAME, SUBJECT_DIRECTORY_ATTRIBUTES, EXTENDED_KEY_USAGE);
    }

    @Override
    public void check(Certificate cert, Collection<String> unresolvedCritExts) throws CertPathValidatorException {
        X509Certificate x = (X509Certificate) cert;
        try {
            x.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new CertPathValidatorException("its subjectAltName does not parse: " + e.getMessage());
        }
        if (x.equals(ekCertificate)) {
            List<String> eku;
            try {
                eku = x.getExtendedKeyUsage();
            } catch (CertificateParsingException e) {
                throw new CertPathValidatorException("its extendedKeyUsage does not parse: " + e.getMessage());
            }
            if (eku != null && !eku.contains(TCG_KP_EK_CERTIFICATE) && !eku.contains(ANY_EXTENDED_KEY_USAGE)) {
                throw new CertPathValidatorException("its extendedKeyUsage " + eku + " lacks tcg-kp-EKCertificate (" + TCG_KP_EK_CERTIFICATE + ")");
            }
        }
        unresolvedCritExts.removeAll(getSupportedExtensions());
    }
}
