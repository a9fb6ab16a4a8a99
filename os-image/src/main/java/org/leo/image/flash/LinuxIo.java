package org.leo.image.flash;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The few libc calls Java's file API does not offer, through JNA: {@code open(2)} with {@code O_EXCL} on a block device
 * (the kernel's exclusive claim, {@link ExclusiveClaim}), {@code posix_fadvise(POSIX_FADV_DONTNEED)} (drop a device's
 * clean cached pages, the fallback of {@link DeviceReader} where O_DIRECT is refused) and {@code isatty(3)}. Linux only;
 * the flag values are those of asm-generic, the same on x86-64 and arm64.
 */
final class LinuxIo {
    static final int O_RDONLY = 0;
    /** On a block device without O_CREAT: claim it exclusively, or fail with EBUSY if anything else has (open(2)). */
    static final int O_EXCL = 0x80;
    static final int O_CLOEXEC = 0x80000;
    static final int POSIX_FADV_DONTNEED = 4;
    static final int EBUSY = 16;

    private static final class LibC {
        static {
            Native.register("c");
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;

        static native int posix_fadvise(int fd, long offset, long len, int advice);

        static native int isatty(int fd);
    }

    private LinuxIo() {
    }

    /** An errno-carrying failure of a libc call. */
    static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        int errno() {
            return errno;
        }
    }

    static int open(Path path, int flags) throws IOException {
        try {
            return LibC.open(path.toString(), flags | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ErrnoException("open " + path + ": " + e.getMessage(), e.getErrorCode());
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("libc open not available through JNA: " + e.getMessage(), e);
        }
    }

    static void close(int fd) {
        try {
            LibC.close(fd);
        } catch (LastErrorException | UnsatisfiedLinkError ignored) {
            // nothing was written through this descriptor
        }
    }

    /** Drops the clean cached pages of the file or device at {@code path} (all of them: offset 0, length 0). */
    static void dropCache(Path path) throws IOException {
        int fd = open(path, O_RDONLY);
        try {
            int rc = LibC.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            if (rc != 0) {
                throw new ErrnoException("posix_fadvise(" + path + ", DONTNEED): errno " + rc, rc);
            }
        } finally {
            close(fd);
        }
    }

    /** Whether file descriptor {@code fd} (2: standard error) is a terminal; false where libc cannot be reached. */
    static boolean isatty(int fd) {
        try {
            return LibC.isatty(fd) == 1;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
