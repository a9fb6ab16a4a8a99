package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a capsule and opens it with its key. Everything here is the JDK's (JCA Ed25519 and
 * AES/GCM/NoPadding), so the HPC agent, whose runtime has no BouncyCastle, opens capsules too.
 *
 * <p>The checks, in order, each with its own {@link CapsuleProblem}: the key is 32 bytes; the owner's
 * signature verifies over the header; the payload is the plaintext size plus the tag long; the
 * payload's SHA-256 is the header's content address; AES-256-GCM opens it with the header's nonce and
 * the header's additional data (the tag); the plaintext has the header's SHA-256. (Its size is the
 * header's once the payload's length is: GCM adds exactly the tag.)
 */
public final class CapsuleOpener {
    /** AES-256. */
    public static final int KEY_BYTES = 32;
    /** The full 128-bit GCM tag, after the ciphertext. */
    public static final int TAG_BYTES = 16;

    private CapsuleOpener() {
    }

    /** True if the header is signed, and the signature is its owner's over {@link CapsuleHeader#signedBytes()}. */
    public static boolean signatureValid(CapsuleHeader header) {
        return header.signed() && JcaEd25519.verify(header.owner(), header.signedBytes(), header.signature());
    }

    /**
     * What can be checked without the key: the signature, the payload's length and its content
     * address. Enough for a store or a peer to refuse a forged or damaged capsule.
     */
    public static void checkSealed(Capsule capsule) throws CapsuleException {
        checkSignature(capsule.header());
        checkPayload(capsule);
    }

    /** BAD_SIGNATURE unless {@link #signatureValid}. */
    public static void checkSignature(CapsuleHeader header) throws CapsuleException {
        if (!signatureValid(header)) {
            throw new CapsuleException(CapsuleProblem.BAD_SIGNATURE, "owner " + header.ownerHex());
        }
    }

    /** PAYLOAD_SIZE_MISMATCH or PAYLOAD_DIGEST_MISMATCH unless the payload is the one the header names. */
    public static void checkPayload(Capsule capsule) throws CapsuleException {
        CapsuleHeader h = capsule.header();
        if (capsule.payloadLength() - TAG_BYTES != h.plaintextSize()) {
            throw new CapsuleException(CapsuleProblem.PAYLOAD_SIZE_MISMATCH, "payload " + capsule.payloadLength()
                    + " bytes, plaintext size " + h.plaintextSize());
        }
        ContentAddress got = capsule.payloadAddress();
        if (!got.equals(h.payload())) {
            throw new CapsuleException(CapsuleProblem.PAYLOAD_DIGEST_MISMATCH, "expected " + h.payload().hex() + ", got " + got.hex());
        }
    }

    /** The plaintext, once every check has passed. The key is the caller's: it is not kept. */
    public static byte[] open(Capsule capsule, byte[] key) throws CapsuleException {
        if (key == null || key.length != KEY_BYTES) {
            throw new CapsuleException(CapsuleProblem.BAD_KEY, (key == null ? 0 : key.length) + " bytes");
        }
        checkSealed(capsule);
        CapsuleHeader h = capsule.header();
        byte[] plaintext;
        try {
            plaintext = gcm(Cipher.DECRYPT_MODE, key, h).doFinal(capsule.array(), capsule.offset(), capsule.payloadLength());
        } catch (AEADBadTagException e) {
            throw new CapsuleException(CapsuleProblem.DECRYPTION_FAILED, "the GCM tag does not match");
        } catch (GeneralSecurityException e) {
            throw new CapsuleException(CapsuleProblem.DECRYPTION_FAILED, e.getMessage());
        }
        byte[] digest = ContentAddress.sha256().digest(plaintext);
        if (!MessageDigest.isEqual(digest, h.plaintextSha256())) {
            throw new CapsuleException(CapsuleProblem.PLAINTEXT_DIGEST_MISMATCH, "expected "
                    + HexFormat.of().formatHex(h.plaintextSha256()) + ", got " + HexFormat.of().formatHex(digest));
        }
        return plaintext;
    }

    /** AES-256-GCM with the header's nonce, a 128-bit tag and the header's additional data. */
    static Cipher gcm(int mode, byte[] key, CapsuleHeader header) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(8 * TAG_BYTES, header.nonce()));
        c.updateAAD(header.additionalData());
        return c;
    }
}
