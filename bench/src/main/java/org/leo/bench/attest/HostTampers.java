package org.leo.bench.attest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.leo.agent.collect.HostPaths;

/**
 * What an intruder does to the HPC, done to the crafted host tree the real collectors read (as
 * RealCollectorsTamperingTest does), each with its undo: the tree is back as baselined after it.
 */
final class HostTampers {
    /** One kind of tampering: the finding ids that report it, how to do it and how to put it back. */
    interface Tamper {
        String name();

        Set<String> findingIds();

        void apply() throws IOException;

        void undo() throws IOException;
    }

    private HostTampers() {
    }

    /**
     * The collector tampers on {@code host}: {@code disk} is the scratch disk (a file of whole
     * {@code chunkSize} chunks), {@code cmdline} the current boot's command line.
     */
    static List<Tamper> catalogue(HostPaths host, Path disk, int chunkSize, Supplier<String> cmdline, Random random) throws IOException {
        // Beside the host tree (never read by a collector), on its file system: a move into the tree is one rename.
        Path staging = Files.createDirectories(host.root().resolveSibling("staging"));
        return List.of(diskWrite(disk, chunkSize, random), usb(host, staging), pci(host, staging), process(host, staging),
                listener(host, staging), cmdline(host, staging, cmdline));
    }

    /** 8 bytes written at a random offset, as from outside the guest; undone by writing the old bytes back. */
    static Tamper diskWrite(Path disk, int chunkSize, Random random) {
        return new Tamper() {
            long offset = -1;
            final byte[] old = new byte[8];

            public String name() {
                return "disk write";
            }

            public Set<String> findingIds() {
                return Set.of("disk.chunk.changed", "disk.changed", "disk.root.changed");
            }

            public void apply() throws IOException {
                try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    offset = Math.floorMod(random.nextLong(), ch.size() - old.length);
                    ch.read(ByteBuffer.wrap(old), offset);
                    byte[] bad = new byte[old.length];
                    for (int i = 0; i < bad.length; i++) {
                        bad[i] = (byte) ~old[i];
                    }
                    ch.write(ByteBuffer.wrap(bad), offset);
                }
            }

            public void undo() throws IOException {
                try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(old), offset);
                }
            }

            @Override
            public String toString() {
                return "chunk " + offset / chunkSize;
            }
        };
    }

    static Tamper usb(HostPaths host, Path staging) {
        Path dev = host.sys().resolve("bus/usb/devices/2-1");
        Path staged = staging.resolve("usb-2-1");
        return dir("USB hot-plug", "hardware.usb.added", staged, dev, () -> {
            Files.createDirectories(staged);
            write(staged.resolve("idVendor"), "0781\n");
            write(staged.resolve("idProduct"), "5567\n");
            write(staged.resolve("product"), "Cruzer Blade\n");
        });
    }

    static Tamper pci(HostPaths host, Path staging) {
        Path dev = host.sys().resolve("bus/pci/devices/0000:00:05.0");
        Path staged = staging.resolve("pci-0000:00:05.0");
        return dir("PCI hot-plug", "hardware.pci.added", staged, dev, () -> {
            Files.createDirectories(staged);
            write(staged.resolve("vendor"), "0x8086\n");
            write(staged.resolve("device"), "0x10d3\n");
            write(staged.resolve("class"), "0x020000\n");
        });
    }

    /** A netcat started as pid 777: its /proc entry and its executable in the root file system. */
    static Tamper process(HostPaths host, Path staging) {
        Path pid = host.proc().resolve("777");
        Path nc = host.root().resolve("usr/bin/nc");
        return new Tamper() {
            public String name() {
                return "new process";
            }

            public Set<String> findingIds() {
                return Set.of("os.process.new");
            }

            public void apply() throws IOException {
                write(nc, "#!/bin/sh\n# a netcat\n");
                Path tmp = staging.resolve("777");
                Files.createDirectories(tmp);
                write(tmp.resolve("stat"), "777 (nc) S 1 777 777 0 -1 4194304 100 0 0 0 2 1 0 0 20 0 1 0 900 123456 78 "
                        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
                write(tmp.resolve("status"), "Name:\tnc\nUid:\t0\t0\t0\t0\n");
                write(tmp.resolve("cmdline"), "nc\0-l\0-p\0004444\0");
                Files.createSymbolicLink(tmp.resolve("exe"), nc.toAbsolutePath());
                Files.move(tmp, pid, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // appears whole, as in /proc
            }

            public void undo() throws IOException {
                deleteTree(pid);
                Files.deleteIfExists(nc);
            }
        };
    }

    static Tamper listener(HostPaths host, Path staging) {
        return replaceFile("listening socket", "network.listen.new", staging, host.proc().resolve("net/tcp"), before -> before
                + "   9: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9999 1 0000000000000000 100 0 0 10 0\n");
    }

    static Tamper cmdline(HostPaths host, Path staging, Supplier<String> cmdline) {
        return replaceFile("kernel cmdline", "os.cmdline.changed", staging, host.proc().resolve("cmdline"), before -> cmdline.get() + " init=/bin/sh\n");
    }

    private interface Io {
        void run() throws IOException;
    }

    /** A device directory filled in {@code staged} and moved into place as {@code dev} (sysfs shows a device whole), removed to undo. */
    private static Tamper dir(String name, String id, Path staged, Path dev, Io fill) {
        return new Tamper() {
            public String name() {
                return name;
            }

            public Set<String> findingIds() {
                return Set.of(id);
            }

            public void apply() throws IOException {
                fill.run();
                Files.move(staged, dev, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }

            public void undo() throws IOException {
                deleteTree(dev);
            }
        };
    }

    /** A file replaced atomically by {@code change} of its content; the old content put back to undo. */
    private static Tamper replaceFile(String name, String id, Path staging, Path file, java.util.function.UnaryOperator<String> change) {
        return new Tamper() {
            String before;

            public String name() {
                return name;
            }

            public Set<String> findingIds() {
                return Set.of(id);
            }

            public void apply() throws IOException {
                before = Files.readString(file);
                replace(staging, file, change.apply(before));
            }

            public void undo() throws IOException {
                replace(staging, file, before);
            }
        };
    }

    /** Writes {@code text} to {@code file} through a sibling and a rename, so a reader never sees half of it. */
    static void replace(Path staging, Path file, String text) throws IOException {
        Path tmp = staging.resolve(file.getFileName() + ".new");
        write(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
