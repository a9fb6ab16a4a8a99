package org.leo.protocol.tpm;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/** Comparing public keys by value, whichever provider or encoding made the objects. */
final class PublicKeys {
    private PublicKeys() {
    }

    /** Same RSA modulus and exponent, or same EC point on a curve of the same field and order. */
    static boolean same(PublicKey a, PublicKey b) {
        if (a instanceof RSAPublicKey x && b instanceof RSAPublicKey y) {
            return x.getModulus().equals(y.getModulus()) && x.getPublicExponent().equals(y.getPublicExponent());
        }
        if (a instanceof ECPublicKey x && b instanceof ECPublicKey y) {
            return x.getW().equals(y.getW())
                    && x.getParams().getCurve().getField().equals(y.getParams().getCurve().getField())
                    && x.getParams().getOrder().equals(y.getParams().getOrder());
        }
        return false;
    }

    /** "RSA 2048-bit key SHA-256:ab12cd34ef56" style text for messages. */
    static String describe(PublicKey key) {
        String kind = key instanceof RSAPublicKey r ? "RSA " + r.getModulus().bitLength() + "-bit key"
                : key instanceof ECPublicKey e ? "EC " + e.getParams().getCurve().getField().getFieldSize() + "-bit key"
                : key.getAlgorithm() + " key";
        return kind + " " + AttestationKey.fingerprint(key).substring(0, 16);
    }

    /** The SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----"), what openssl and tpm2-tools read. */
    static String pem(PublicKey key) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }
}
