package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Ed25519 (RFC 8032) verification with the JDK's own provider (SunEC, JDK 15 and later), so that
 * opening a capsule needs no BouncyCastle: the HPC agent's runtime has none.
 */
final class JcaEd25519 {
    /** The X.509 SubjectPublicKeyInfo of an Ed25519 key (RFC 8410) is this, then the 32 key bytes. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private JcaEd25519() {
    }

    static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        byte[] spki = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    /** The 32 raw bytes of a JCA Ed25519 public key. */
    static byte[] raw(PublicKey key) {
        byte[] spki = key.getEncoded();
        if (spki == null || spki.length != SPKI_PREFIX.length + 32 || !Arrays.equals(spki, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
        }
        return Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
    }

    /** True if {@code signature} is {@code owner}'s over {@code message}; false for anything malformed. */
    static boolean verify(byte[] owner, byte[] message, byte[] signature) {
        if (owner.length != 32 || signature.length != 64) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicKey(owner));
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a key that is no curve point, a malformed signature
        }
    }
}
