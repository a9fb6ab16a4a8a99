package org.leo.attest.enroll;

import java.io.IOException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** Parses and checks an agent's PKCS#10 request: well-formed, self-signed (proof of possession), EC P-256. */
public final class CsrCheck {
    /** A P-256 CSR is a few hundred bytes. */
    public static final int MAX_CSR_BYTES = 4096;

    private CsrCheck() {
    }

    /** The CSR's public key; {@link IllegalArgumentException} with a sentence if it is not acceptable. */
    public static PublicKey publicKeyOf(byte[] der) {
        if (der.length == 0) {
            throw new IllegalArgumentException("no CSR");
        }
        if (der.length > MAX_CSR_BYTES) {
            throw new IllegalArgumentException("CSR of " + der.length + " bytes, at most " + MAX_CSR_BYTES);
        }
        JcaPKCS10CertificationRequest csr;
        try {
            csr = new JcaPKCS10CertificationRequest(der);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("CSR is not DER PKCS#10: " + e.getMessage());
        }
        PublicKey key;
        try {
            key = csr.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new IllegalArgumentException("CSR signature does not verify with its own key");
            }
        } catch (java.security.GeneralSecurityException | OperatorCreationException | PKCSException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("CSR cannot be checked: " + e.getMessage());
        }
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new IllegalArgumentException("CSR key is " + key.getAlgorithm() + ", expected EC P-256");
        }
        return key;
    }
}
