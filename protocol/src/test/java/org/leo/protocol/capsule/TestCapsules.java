package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;

/**
 * Owners, sealers and requirements for the capsule tests, all JCA: the owner of RFC 8032 section
 * 7.1 TEST 1 (so the golden capsule is reproducible anywhere), fresh owners, and a deterministic
 * "random" for reproducible keys and nonces.
 */
public final class TestCapsules {
    public static final String RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    public static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    public static final String IMAGE = "sha256:" + "ab".repeat(32);
    public static final Instant SEALED_AT = Instant.parse("2025-06-01T12:00:00.123Z");
    public static final Requirements REQUIREMENTS = Requirements.of(IMAGE, 100, 50);

    private TestCapsules() {
    }

    /** The RFC 8032 TEST 1 key pair, through JCA. */
    public static KeyPair rfc8032Pair() {
        try {
            PrivateKey priv = KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, HexFormat.of().parseHex(RFC8032_SECRET)));
            return new KeyPair(JcaEd25519.publicKey(HexFormat.of().parseHex(RFC8032_PUBLIC)), priv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair freshPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CapsuleOwner owner() {
        return CapsuleOwner.of(rfc8032Pair());
    }

    public static CapsuleSealer sealer(CapsuleOwner owner) {
        return new CapsuleSealer(owner, new SecureRandom(), Clock.fixed(SEALED_AT, ZoneOffset.UTC));
    }

    /** A sealer whose keys and nonces are a SHA-256 counter stream from {@code seed}: reproducible. */
    public static CapsuleSealer deterministicSealer(CapsuleOwner owner, String seed) {
        return new CapsuleSealer(owner, new CountingRandom(seed), Clock.fixed(SEALED_AT, ZoneOffset.UTC));
    }

    public static CapsuleSealer.Sealed seal(byte[] plaintext) {
        return sealer(owner()).seal(plaintext, CapsuleKind.DATA, REQUIREMENTS, Terms.price(1000), "test data");
    }

    /** Not random at all: SHA-256(seed || counter), for golden files only. */
    static final class CountingRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final byte[] seed;
        private long counter;

        CountingRandom(String seed) {
            this.seed = seed.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void nextBytes(byte[] out) {
            for (int i = 0; i < out.length; i += 32) {
                MessageDigest md = ContentAddress.sha256();
                md.update(seed);
                md.update(java.nio.ByteBuffer.allocate(8).putLong(counter++).array());
                byte[] block = md.digest();
                System.arraycopy(block, 0, out, i, Math.min(32, out.length - i));
            }
        }
    }
}
