package org.leo.protocol.tpm;

/**
 * An EK certificate was refused. The message is one sentence that names what failed and which
 * certificate ("EK certificate issued by CN=X is not signed by any of the 2 roots in DIR").
 */
public final class EkCertificateException extends Exception {
    public EkCertificateException(String message) {
        super(message);
    }

    public EkCertificateException(String message, Throwable cause) {
        super(message, cause);
    }
}
