package org.leo.agent.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * The crafted host of {@code src/test/resources/collect/host} copied into a temporary directory,
 * with what git cannot hold made there: the {@code proc/<pid>/exe} links (absolute, like the
 * kernel's), a symlink in the root file system, and exact file modes.
 */
public final class CraftedHost {
    /** The tree, from this module's directory or from a sibling module's (the attestation tests reuse it). */
    static final Path SOURCE = Files.isDirectory(Path.of("src/test/resources/collect/host"))
            ? Path.of("src/test/resources/collect/host") : Path.of("../hpc-agent/src/test/resources/collect/host");

    private CraftedHost() {
    }

    public static HostPaths copyTo(Path dir) {
        try (Stream<Path> all = Files.walk(SOURCE)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = dir.resolve(SOURCE.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            Path root = dir.resolve("root");
            Files.setPosixFilePermissions(root.resolve("sbin/init"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(root.resolve("usr/bin/worker"), PosixFilePermissions.fromString("rwxr-x---"));
            Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
            Files.createSymbolicLink(dir.resolve("proc/1/exe"), root.resolve("sbin/init").toAbsolutePath());
            Files.createSymbolicLink(dir.resolve("proc/42/exe"), root.resolve("usr/bin/worker").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HostPaths.under(dir);
    }

    /**
     * Plugs a USB stick (SanDisk Cruzer Blade, 0781:5567) into {@code host} as device 2-1: its directory is made aside and
     * renamed into {@code sys/bus/usb/devices}, so an agent collecting at the same moment never reads it half made (sysfs
     * shows a device with its attributes at once).
     */
    public static void plugUsbStick(HostPaths host) throws IOException {
        Path usb = Files.createDirectories(host.sys().resolve("bus/usb/.plugging-2-1"));
        Files.writeString(usb.resolve("idVendor"), "0781\n");
        Files.writeString(usb.resolve("idProduct"), "5567\n");
        Files.writeString(usb.resolve("product"), "Cruzer Blade\n");
        Files.move(usb, host.sys().resolve("bus/usb/devices/2-1"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
