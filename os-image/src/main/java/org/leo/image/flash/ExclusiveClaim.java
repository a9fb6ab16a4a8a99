package org.leo.image.flash;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The kernel's exclusive claim on a block device: {@code open(O_RDONLY | O_EXCL)}, which fails with EBUSY while the
 * device or (for a disk) any of its partitions is mounted, an active swap area, or held by device-mapper, md or LVM,
 * and, while it is held, makes every such claim fail in turn: nobody mounts the card between the checks and the end
 * of the read-back. The image is written through another, ordinary descriptor (the claim does not prevent that).
 */
public final class ExclusiveClaim implements AutoCloseable {
    private final int fd;

    private ExclusiveClaim(int fd) {
        this.fd = fd;
    }

    /**
     * Claims {@code device}.
     *
     * @throws Busy        when something else holds it
     * @throws IOException when it cannot be opened at all
     */
    public static ExclusiveClaim claim(Path device) throws IOException {
        try {
            return new ExclusiveClaim(LinuxIo.open(device, LinuxIo.O_RDONLY | LinuxIo.O_EXCL));
        } catch (LinuxIo.ErrnoException e) {
            if (e.errno() == LinuxIo.EBUSY) {
                throw new Busy(device + " is busy: the kernel refuses an exclusive open (it is mounted, a swap area, or held by "
                        + "device-mapper, md or LVM)");
            }
            throw e;
        }
    }

    /** The device is claimed by something else. */
    public static final class Busy extends IOException {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        LinuxIo.close(fd);
    }
}
