package org.leo.agent.collect;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.List;

/**
 * SHA-256 computed by the system's OpenSSL libcrypto (EVP interface), as a {@link MessageDigest}.
 *
 * <p>Why: the agent's JVM runs with the C1 compiler only (its memory budget), and C1 does not
 * use HotSpot's SHA-256 intrinsic: measured here, {@code MessageDigest} SHA-256 hashes 0.10 GB/s
 * under {@code -XX:TieredStopAtLevel=1} against 1.1 GB/s with C2 and 1.3 GB/s for
 * {@code openssl speed -evp sha256}. Disk fingerprints, the root file system digest and the
 * executable digests are bulk SHA-256 against a challenge deadline; libcrypto hashes at the CPU's
 * SHA-extension speed whatever the JIT does. {@link Digests#sha256()} picks this class when
 * libcrypto loads and falls back to the JDK otherwise.
 *
 * <p>Bytes from a direct {@link ByteBuffer} (every file read of the collectors) go to libcrypto
 * straight from the buffer's memory; bytes from the Java heap are copied through an 8 KiB native
 * scratch buffer. Each instance owns one {@code EVP_MD_CTX}, freed when the instance is
 * unreachable. Not thread-safe, like every {@code MessageDigest}.
 */
final class LibcryptoSha256 extends MessageDigest {
    static final int LENGTH = 32;
    private static final int SCRATCH = 8192;
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "leo-libcrypto-cleaner");
        t.setDaemon(true);
        return t;
    });
    /** Null if libcrypto is usable, else why not (a sentence). */
    private static final String PROBLEM;
    private static final String VERSION;
    private static final Pointer SHA256;

    static {
        String problem = null;
        String version = null;
        Pointer md = null;
        try {
            Native.register(Lib.class, load());
            md = Lib.EVP_sha256();
            version = Lib.OpenSSL_version(0);
            if (md == null) {
                problem = "libcrypto has no SHA-256 (EVP_sha256 returned NULL)";
            }
        } catch (LinkageError | RuntimeException e) {
            problem = "libcrypto is not loadable: " + e.getMessage();
        }
        PROBLEM = problem;
        VERSION = version;
        SHA256 = md;
    }

    /** The EVP functions used, bound by JNA direct mapping (no reflection per call). */
    static final class Lib {
        private Lib() {
        }

        static native Pointer EVP_MD_CTX_new();

        static native void EVP_MD_CTX_free(Pointer ctx);

        static native Pointer EVP_sha256();

        static native int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

        static native int EVP_DigestUpdate(Pointer ctx, Pointer data, NativeLong count);

        static native int EVP_DigestFinal_ex(Pointer ctx, Pointer md, Pointer size);

        static native String OpenSSL_version(int type);
    }

    private static NativeLibrary load() {
        UnsatisfiedLinkError last = null;
        for (String name : List.of("libcrypto.so.3", "crypto")) {
            try {
                return NativeLibrary.getInstance(name);
            } catch (UnsatisfiedLinkError e) {
                last = e;
            }
        }
        throw last;
    }

    /** True if libcrypto's SHA-256 can be used in this process. */
    static boolean available() {
        return PROBLEM == null;
    }

    /** Why libcrypto cannot be used, or empty. */
    static String problem() {
        return PROBLEM == null ? "" : PROBLEM;
    }

    /** OpenSSL's version string, e.g. "OpenSSL 3.0.19 ...", or null if unavailable. */
    static String version() {
        return VERSION;
    }

    private final Pointer ctx;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH);
    private final Pointer scratchAddress = Native.getDirectBufferPointer(scratch);

    /** @throws IllegalStateException if libcrypto is not {@link #available()} */
    LibcryptoSha256() {
        super("SHA-256");
        if (PROBLEM != null) {
            throw new IllegalStateException(PROBLEM);
        }
        Pointer c = Lib.EVP_MD_CTX_new();
        if (c == null) {
            throw new OutOfMemoryError("EVP_MD_CTX_new returned NULL");
        }
        this.ctx = c;
        CLEANER.register(this, () -> Lib.EVP_MD_CTX_free(c));
        init();
    }

    private void init() {
        check(Lib.EVP_DigestInit_ex(ctx, SHA256, null), "EVP_DigestInit_ex");
    }

    private static void check(int rc, String what) {
        if (rc != 1) {
            throw new IllegalStateException(what + " failed in libcrypto");
        }
    }

    private void feed(Pointer p, int n) {
        if (n > 0) {
            check(Lib.EVP_DigestUpdate(ctx, p, new NativeLong(n)), "EVP_DigestUpdate");
        }
    }

    @Override
    protected int engineGetDigestLength() {
        return LENGTH;
    }

    @Override
    protected void engineUpdate(byte input) {
        scratch.put(0, input);
        feed(scratchAddress, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        java.util.Objects.checkFromIndexSize(offset, len, input.length);
        while (len > 0) {
            int n = Math.min(len, SCRATCH);
            scratch.clear();
            scratch.put(input, offset, n);
            feed(scratchAddress, n);
            offset += n;
            len -= n;
        }
    }

    @Override
    protected void engineUpdate(ByteBuffer input) {
        if (!input.isDirect()) {
            super.engineUpdate(input); // through a heap array, into engineUpdate(byte[], int, int)
            return;
        }
        int n = input.remaining();
        feed(Native.getDirectBufferPointer(input).share(input.position()), n);
        input.position(input.limit());
    }

    @Override
    protected byte[] engineDigest() {
        byte[] out = new byte[LENGTH];
        finish(out, 0);
        return out;
    }

    @Override
    protected int engineDigest(byte[] buf, int offset, int len) throws DigestException {
        if (len < LENGTH) {
            throw new DigestException("a SHA-256 digest needs 32 bytes, got room for " + len);
        }
        java.util.Objects.checkFromIndexSize(offset, LENGTH, buf.length);
        finish(buf, offset);
        return LENGTH;
    }

    private void finish(byte[] out, int offset) {
        check(Lib.EVP_DigestFinal_ex(ctx, scratchAddress, null), "EVP_DigestFinal_ex");
        scratch.get(0, out, offset, LENGTH);
        init(); // a MessageDigest is reset after digest()
    }

    @Override
    protected void engineReset() {
        init();
    }
}
