package org.leo.protocol;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/** A TLS key manager over a key and its certificate chain held in memory (nothing touches the disk). */
public final class TlsKeyManagers {
    private TlsKeyManagers() {
    }

    public static KeyManager of(PrivateKey key, X509Certificate... chain) throws GeneralSecurityException {
        char[] password = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, password);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        ks.setKeyEntry("leo", key, password, chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf.getKeyManagers()[0];
    }
}
