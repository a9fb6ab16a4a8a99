package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;

/**
 * Who seals a capsule: an Ed25519 key that signs headers and nothing else. On a Pi it is the fleet
 * member key ({@code MemberKeys.capsuleOwner()} in consensus-service), so an owner's capsules and its
 * credit on the ledger have one identity; the signed bytes begin with their own domain string
 * ({@link CapsuleHeader#signedBytes()}), so a capsule signature is never a valid verdict or any other
 * signature of Leo's.
 */
public interface CapsuleOwner {
    /** The owner's Ed25519 public key, 32 bytes: the header's {@code owner}. */
    byte[] publicKey();

    /** The Ed25519 signature (64 bytes) over {@code unsigned.signedBytes()}. */
    byte[] sign(CapsuleHeader unsigned);

    /** An owner over a JCA Ed25519 key pair (the JDK's {@code KeyPairGenerator.getInstance("Ed25519")}). */
    static CapsuleOwner of(KeyPair pair) {
        byte[] pub = JcaEd25519.raw(pair.getPublic());
        return new CapsuleOwner() {
            @Override
            public byte[] publicKey() {
                return pub.clone();
            }

            @Override
            public byte[] sign(CapsuleHeader unsigned) {
                try {
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(pair.getPrivate());
                    s.update(unsigned.signedBytes());
                    return s.sign();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
