package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 instances (FIPS 180-4) for the collectors' bulk hashing: libcrypto's
 * ({@link LibcryptoSha256}) when it loads, else the JDK's. System property
 * {@value #ENGINE_PROPERTY}: {@code auto} (the default), {@code libcrypto} (fail if it does not
 * load) or {@code jdk}.
 */
public final class Digests {
    public static final String ENGINE_PROPERTY = "leo.agent.sha256";
    private static final boolean NATIVE = chooseNative(System.getProperty(ENGINE_PROPERTY, "auto"));

    private Digests() {
    }

    static boolean chooseNative(String engine) {
        switch (engine) {
            case "jdk":
                return false;
            case "libcrypto":
                if (!LibcryptoSha256.available()) {
                    throw new IllegalStateException(ENGINE_PROPERTY + "=libcrypto, but " + LibcryptoSha256.problem());
                }
                return true;
            case "auto":
                return LibcryptoSha256.available();
            default:
                throw new IllegalArgumentException(ENGINE_PROPERTY + " must be auto, libcrypto or jdk, got " + engine);
        }
    }

    /** A fresh SHA-256 instance of the chosen engine (also the task sandbox's, for image archives). */
    public static MessageDigest sha256() {
        return NATIVE ? new LibcryptoSha256() : jdkSha256();
    }

    static MessageDigest jdkSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }

    /** The engine in use, for the agent's start-up line: "libcrypto (OpenSSL 3.0.19 ...)" or "JDK (why)". */
    public static String engine() {
        if (NATIVE) {
            return "libcrypto (" + LibcryptoSha256.version() + ")";
        }
        String why = "jdk".equals(System.getProperty(ENGINE_PROPERTY)) ? ENGINE_PROPERTY + "=jdk" : LibcryptoSha256.problem();
        return "JDK " + Runtime.version().feature() + " (" + why + ")";
    }

    /**
     * Feeds the first {@code size} bytes of {@code ch} (fewer if it is shorter) to {@code md},
     * through {@code buffer}; returns how many bytes were read.
     */
    static long update(MessageDigest md, FileChannel ch, ByteBuffer buffer, long size) throws IOException {
        long done = 0;
        while (done < size) {
            buffer.clear();
            int n = ch.read(buffer, done);
            if (n <= 0) {
                break;
            }
            buffer.flip();
            md.update(buffer);
            done += n;
        }
        return done;
    }
}
