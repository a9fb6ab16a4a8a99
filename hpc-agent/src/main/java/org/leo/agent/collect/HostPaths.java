package org.leo.agent.collect;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a collector reads the host from: the kernel's {@code proc} and {@code sys} file systems,
 * the device directory and the root file system. {@link #real()} is the running system; tests
 * point {@link #under(Path)} at a crafted tree so every collector can be shown an exact state.
 *
 * @param proc the proc file system ({@code /proc})
 * @param sys  sysfs ({@code /sys})
 * @param dev  the device directory ({@code /dev})
 * @param root the root file system whose digest {@link OsCollector} takes ({@code /})
 */
public record HostPaths(Path proc, Path sys, Path dev, Path root) {
    public HostPaths {
        Objects.requireNonNull(proc, "proc");
        Objects.requireNonNull(sys, "sys");
        Objects.requireNonNull(dev, "dev");
        Objects.requireNonNull(root, "root");
    }

    /** The running system: {@code /proc}, {@code /sys}, {@code /dev} and {@code /}. */
    public static HostPaths real() {
        return new HostPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"), Path.of("/"));
    }

    /** A crafted host: {@code base/proc}, {@code base/sys}, {@code base/dev} and {@code base/root}. */
    public static HostPaths under(Path base) {
        return new HostPaths(base.resolve("proc"), base.resolve("sys"), base.resolve("dev"), base.resolve("root"));
    }
}
