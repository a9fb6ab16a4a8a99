package org.leo.protocol.capsule;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import javax.crypto.Cipher;
import org.leo.protocol.tpm.WrapKey;

/**
 * Fixed keys for the result capsule tests (resources result/, made once with openssl): two agents
 * (P-256 key, self-signed certificate) and a recipient RSA-2048 key that stands in for the owner Pi's
 * TPM wrap key (the TPM itself is in the end-to-end test).
 */
final class ResultKeys {
    static final X509Certificate AGENT = cert("agent.cert.der");
    static final PrivateKey AGENT_KEY = key("EC", "agent.key.der");
    static final X509Certificate OTHER_AGENT = cert("other-agent.cert.der");
    static final PrivateKey OTHER_AGENT_KEY = key("EC", "other-agent.key.der");
    static final byte[] RECIPIENT_SPKI = bytes("recipient.spki.der");
    static final PublicKey RECIPIENT = publicRsa(RECIPIENT_SPKI);
    static final PrivateKey RECIPIENT_KEY = key("RSA", "recipient.key.der");

    private ResultKeys() {
    }

    /** What Tpm.unwrap does in the TPM, in JCA: RSA-OAEP-SHA256 with the wrap key's label. */
    static byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, RECIPIENT_KEY, WrapKey.oaep());
        return c.doFinal(wrapped);
    }

    static PublicKey publicRsa(byte[] spki) {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String name) {
        try (InputStream in = ResultKeys.class.getResourceAsStream("result/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no resource result/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate cert(String name) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes(name)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey key(String algorithm, String name) {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(bytes(name)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
