package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;

/**
 * Seals plaintext into a capsule for its owner: a fresh AES-256 key and nonce per capsule, the header
 * bound into the GCM tag as additional data, the payload's SHA-256 into the header, and the owner's
 * signature over it all.
 *
 * <p>The key is the caller's to keep: {@link Sealed#aesKey()} is the only copy. On a Pi it is to be
 * wrapped by the owner's TPM at once (being built separately); until then {@code leo capsule seal}
 * writes it to a file of mode 0600.
 */
public final class CapsuleSealer {
    private final CapsuleOwner owner;
    private final SecureRandom random;
    private final Clock clock;

    public CapsuleSealer(CapsuleOwner owner, SecureRandom random, Clock clock) {
        this.owner = Objects.requireNonNull(owner, "owner");
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A sealed capsule and its AES-256 key (32 bytes), which nothing else holds. */
    public record Sealed(Capsule capsule, byte[] aesKey) {
        public Sealed {
            Objects.requireNonNull(capsule, "capsule");
            aesKey = aesKey.clone();
        }

        @Override
        public byte[] aesKey() {
            return aesKey.clone();
        }

        /** Overwrites this object's copy of the key. */
        public void wipe() {
            Arrays.fill(aesKey, (byte) 0);
        }

        @Override
        public String toString() {
            return "sealed " + capsule;
        }
    }

    /**
     * Seals {@code plaintext}. An IllegalArgumentException if it is too long for a capsule
     * ({@link CapsuleLimits#CEILING}) or the label is not printable ASCII of at most 128
     * characters; an IllegalStateException if the owner's signer made a signature that does not
     * verify under its own public key.
     */
    public Sealed seal(byte[] plaintext, CapsuleKind kind, Requirements requirements, Terms terms, String label) {
        if (plaintext.length > CapsuleLimits.CEILING - CapsuleOpener.TAG_BYTES) {
            throw new IllegalArgumentException("plaintext: at most " + (CapsuleLimits.CEILING - CapsuleOpener.TAG_BYTES)
                    + " bytes in a capsule, got " + plaintext.length);
        }
        byte[] key = new byte[CapsuleOpener.KEY_BYTES];
        byte[] nonce = new byte[CapsuleHeader.NONCE_BYTES];
        random.nextBytes(key);
        random.nextBytes(nonce);
        CapsuleHeader bound = new CapsuleHeader(CapsuleHeader.VERSION, owner.publicKey(), kind, ContentAddress.ofDigest(new byte[32]),
                ContentAddress.sha256().digest(plaintext), plaintext.length, nonce, requirements, terms, clock.instant(), label,
                new byte[0]);
        byte[] payload;
        try {
            payload = CapsuleOpener.gcm(Cipher.ENCRYPT_MODE, key, bound).doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is mandatory in every JRE: " + e.getMessage(), e);
        }
        CapsuleHeader unsigned = bound.withPayload(ContentAddress.of(payload));
        CapsuleHeader signed = unsigned.withSignature(owner.sign(unsigned));
        if (!CapsuleOpener.signatureValid(signed)) {
            throw new IllegalStateException("the owner's signer made a signature that does not verify under its public key "
                    + signed.ownerHex());
        }
        Sealed sealed = new Sealed(new Capsule(signed, payload), key);
        Arrays.fill(key, (byte) 0);
        return sealed;
    }
}
