package org.leo.protocol.keywrap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A short secret (a capsule's AES key) sealed to an HPC agent's P-256 key, so that only that agent,
 * in RAM, can open it: ECIES with an ephemeral P-256 key, ECDH, HKDF-SHA256 and AES-256-GCM, in
 * plain JCA (the agent carries no BouncyCastle).
 *
 * <p>Sealed bytes, version 1 ({@link #VERSION}); all lengths fixed except the ciphertext's:
 * <pre>
 * offset  bytes   field
 *      0      1   version = 0x01
 *      1     65   ephemeral public key E, SEC 1 uncompressed: 0x04 || X || Y
 *     66     12   AES-GCM nonce, random
 *     78   n+16   AES-256-GCM ciphertext of the secret (n = 1..256 bytes) and its 16-byte tag
 * </pre>
 * Key schedule:
 * <pre>
 * Z   = ECDH(e, agent public key): the shared point's x coordinate, 32 bytes
 * key = HKDF-SHA256(salt = E (the 65 bytes above), IKM = Z, info = "leo-key-release-v1\0" || context, L = 32)
 * ciphertext || tag = AES-256-GCM(key, nonce, secret, AAD = bytes 0..77: version, E and nonce)
 * </pre>
 * The context is {@link ReleaseContext#encode()}: it binds the task id, the capsule digest and the
 * agent certificate's fingerprint, so a sealed key opens only for the same three. A fresh
 * ephemeral key per seal makes every AES key single-use; the random nonce costs 12 bytes and
 * keeps GCM safe even if an ephemeral key were ever reused.
 *
 * <p>{@link #open} checks, in this order, each with its own sentence: total length, version, the
 * point (prefix, coordinates below p, on the curve; JCA's {@code KeyFactory} alone accepts points
 * off the curve), then the tag. A wrong agent key, a wrong context and altered bytes all fail
 * at the tag and are told apart by nobody.
 */
public final class AgentKeyWrap {
    public static final int VERSION = 1;
    /** The HKDF info prefix: domain separation from every other use of the agent's key. */
    public static final String LABEL = "leo-key-release-v1";
    /** A capsule key is 32 bytes; 256 leaves room for a key and its parameters, never for data. */
    public static final int MAX_SECRET_BYTES = 256;
    /** Contexts are {@link ReleaseContext}s, at most {@link ReleaseContext#MAX_ENCODED_BYTES}; this bounds the HKDF input. */
    public static final int MAX_CONTEXT_BYTES = 1024;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int KEY_BYTES = 32;
    /** version, ephemeral point, nonce: also the GCM additional data. */
    static final int HEADER_BYTES = 1 + P256.POINT_BYTES + NONCE_BYTES;
    public static final int MIN_SEALED_BYTES = HEADER_BYTES + 1 + TAG_BYTES;
    public static final int MAX_SEALED_BYTES = HEADER_BYTES + MAX_SECRET_BYTES + TAG_BYTES;

    private static final byte[] INFO_PREFIX = (LABEL + "\0").getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private AgentKeyWrap() {
    }

    /**
     * Seals {@code secret} (1..{@link #MAX_SECRET_BYTES} bytes) to the agent key {@code agentP256}
     * for {@code context} (at most {@link #MAX_CONTEXT_BYTES} bytes).
     *
     * @throws IllegalArgumentException if the key is not a valid P-256 public key or a size is out of bounds
     */
    public static byte[] seal(PublicKey agentP256, byte[] secret, byte[] context) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(P256.SPEC, RANDOM);
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            return seal(agentP256, secret, context, generator.generateKeyPair(), nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a P-256 key: " + e.getMessage(), e);
        }
    }

    /** {@link #seal(PublicKey, byte[], byte[])} with a given ephemeral key and nonce: for known-answer tests only. */
    static byte[] seal(PublicKey agentP256, byte[] secret, byte[] context, KeyPair ephemeral, byte[] nonce) {
        Objects.requireNonNull(agentP256, "agentP256");
        checkContext(context);
        if (secret.length == 0 || secret.length > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("secret: expected 1.." + MAX_SECRET_BYTES + " bytes, got " + secret.length);
        }
        if (!P256.isP256(agentP256) || !(agentP256 instanceof ECPublicKey agent)) {
            throw new IllegalArgumentException("agent key: expected an EC P-256 public key, got " + P256.describe(agentP256));
        }
        try {
            P256.decode("agent key", P256.encode(agent), 0);
        } catch (KeyWrapException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        byte[] point = P256.encode((ECPublicKey) ephemeral.getPublic());
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + secret.length + TAG_BYTES);
        out.put((byte) VERSION).put(point).put(nonce);
        byte[] header = Arrays.copyOf(out.array(), HEADER_BYTES);
        byte[] key = null;
        try {
            key = key(ephemeral.getPrivate(), agent, point, context);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            gcm.updateAAD(header);
            out.put(gcm.doFinal(secret));
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot seal with ECDH and AES-GCM: " + e.getMessage(), e);
        } finally {
            wipe(key);
        }
    }

    /**
     * Opens what {@link #seal} sealed to the public half of {@code agentP256} for the same
     * {@code context}.
     *
     * @throws KeyWrapException         if {@code sealed} is malformed, or was sealed to another key or
     *                                  for another context, or was altered; the message says which check failed
     * @throws IllegalArgumentException if {@code agentP256} is not a P-256 private key or the context is too long
     */
    public static byte[] open(PrivateKey agentP256, byte[] sealed, byte[] context) throws KeyWrapException {
        Objects.requireNonNull(agentP256, "agentP256");
        checkContext(context);
        if (!P256.isP256(agentP256)) {
            throw new IllegalArgumentException("agent key: expected an EC P-256 private key, got " + P256.describe(agentP256));
        }
        if (sealed.length < MIN_SEALED_BYTES || sealed.length > MAX_SEALED_BYTES) {
            throw new KeyWrapException("sealed key: expected " + MIN_SEALED_BYTES + ".." + MAX_SEALED_BYTES + " bytes, got " + sealed.length);
        }
        int version = sealed[0] & 0xFF;
        if (version != VERSION) {
            throw new KeyWrapException("sealed key: version " + version + " is not one this agent opens (expected " + VERSION + ")");
        }
        ECPublicKey ephemeral = P256.decode("sealed key: the ephemeral point", sealed, 1);
        byte[] point = Arrays.copyOfRange(sealed, 1, 1 + P256.POINT_BYTES);
        byte[] nonce = Arrays.copyOfRange(sealed, 1 + P256.POINT_BYTES, HEADER_BYTES);
        byte[] key = null;
        try {
            key = key(agentP256, ephemeral, point, context);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            gcm.updateAAD(sealed, 0, HEADER_BYTES);
            return gcm.doFinal(sealed, HEADER_BYTES, sealed.length - HEADER_BYTES);
        } catch (AEADBadTagException e) {
            throw new KeyWrapException("sealed key does not open: it was sealed to another agent key or for another context,"
                    + " or it was altered");
        } catch (InvalidKeyException e) {
            throw new KeyWrapException("sealed key: the ephemeral point is refused by ECDH: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot open with ECDH and AES-GCM: " + e.getMessage(), e);
        } finally {
            wipe(key);
        }
    }

    /** HKDF-SHA256(salt = E, IKM = ECDH(private, public).x, info = label || 0 || context, 32). */
    private static byte[] key(PrivateKey mine, PublicKey theirs, byte[] ephemeralPoint, byte[] context) throws GeneralSecurityException {
        KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
        ecdh.init(mine);
        ecdh.doPhase(theirs, true);
        byte[] z = ecdh.generateSecret();
        try {
            byte[] info = ByteBuffer.allocate(INFO_PREFIX.length + context.length).put(INFO_PREFIX).put(context).array();
            return Hkdf.derive(ephemeralPoint, z, info, KEY_BYTES);
        } finally {
            wipe(z);
        }
    }

    private static void checkContext(byte[] context) {
        if (context.length > MAX_CONTEXT_BYTES) {
            throw new IllegalArgumentException("context: expected at most " + MAX_CONTEXT_BYTES + " bytes, got " + context.length);
        }
    }

    private static void wipe(byte[] secret) {
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
