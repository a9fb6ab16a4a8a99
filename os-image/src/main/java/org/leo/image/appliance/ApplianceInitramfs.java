package org.leo.image.appliance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.leo.image.CpioWriter;
import org.leo.image.DebCache;
import org.leo.image.HpcImageBuilder;
import org.leo.image.InputsLock;
import org.leo.image.Tree;

/**
 * The appliance's initramfs ({@code initrd.img} on the boot partition): static busybox, dmsetup with
 * the shared libraries it needs (found by their {@code DT_NEEDED} among the lock's packages, with
 * the dynamic loader its {@code PT_INTERP} names), the modules that open the root (the boot disk's
 * controller, dm-verity, squashfs) in load order, and {@code /init} (resource {@code init.sh}),
 * which opens the dm-verity root and hands over to systemd. A newc cpio, gzip -9, every entry
 * owned by root and stamped with SOURCE_DATE_EPOCH ({@link CpioWriter}).
 */
final class ApplianceInitramfs {
    /**
     * The modules /init loads (with what they depend on): the Pi 4's SD card controller, QEMU's
     * virtio disk (PCI and MMIO), USB mass storage (a Pi 4 also boots from a USB disk),
     * device-mapper's verity target, and squashfs.
     */
    static final List<String> MODULES = List.of("sdhci-iproc", "virtio_pci", "virtio_mmio", "virtio_blk", "reset-raspberrypi", "xhci-pci",
            "usb-storage", "uas", "sd_mod", "dm-verity", "squashfs");

    private ApplianceInitramfs() {
    }

    /** The gzip'd cpio. */
    static byte[] build(InputsLock lock, DebCache cache, KernelModules modules, String imageId, long sourceDateEpoch) throws IOException {
        Tree tree = new Tree();
        for (String d : List.of("bin", "dev", "etc", "proc", "sys", "root", "lib/modules")) {
            tree.dir(d);
        }
        tree.add(CpioWriter.Entry.charDevice("dev/console", 0600, 5, 1));
        tree.copy(cache.unpacked(lock.require("busybox-static")).resolve("bin/busybox"), "bin/busybox");
        tree.add(CpioWriter.Entry.symlink("bin/sh", "busybox"));
        tree.file("init", 0755, ApplianceRoot.resource("init.sh").getBytes(StandardCharsets.UTF_8));
        tree.file("etc/leo-image", 0644, (imageId + "\n").getBytes(StandardCharsets.UTF_8));

        Path dmsetup = cache.unpacked(lock.require("dmsetup")).resolve("sbin/dmsetup");
        tree.copy(dmsetup, "bin/dmsetup");
        addLibraries(tree, dmsetup, lock, cache);

        StringBuilder order = new StringBuilder();
        for (KernelModules.Module m : modules.closure(MODULES)) {
            tree.copy(m.file(), "lib/modules/" + m.name() + ".ko");
            order.append(m.name()).append('\n');
        }
        tree.file("lib/modules/load-order", 0644, order.toString().getBytes(StandardCharsets.US_ASCII));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (HpcImageBuilder.GzipLevel9 gz = new HpcImageBuilder.GzipLevel9(out)) {
            CpioWriter.write(tree.entries(), sourceDateEpoch, gz);
        }
        return out.toByteArray();
    }

    /**
     * The libraries {@code program} needs, recursively, each under its soname in the multiarch
     * directory, and the dynamic loader at the path the program names.
     */
    static void addLibraries(Tree tree, Path program, InputsLock lock, DebCache cache) throws IOException {
        String triplet = lock.arch().equals("arm64") ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        Map<String, Path> available = new HashMap<>();
        for (InputsLock.Deb deb : lock.debs()) {
            if (!deb.name().startsWith("lib")) {
                continue;
            }
            Path root = cache.unpacked(deb);
            for (String dir : List.of("lib/" + triplet, "usr/lib/" + triplet)) {
                if (Files.isDirectory(root.resolve(dir))) {
                    try (Stream<Path> s = Files.list(root.resolve(dir))) {
                        s.filter(p -> p.getFileName().toString().contains(".so")).sorted()
                                .forEach(p -> available.putIfAbsent(p.getFileName().toString(), p));
                    }
                }
            }
        }
        ElfFile elf = elf(program);
        String interp = elf.interpreter().orElseThrow(() -> new IOException(program + " is not a dynamic program"));
        Set<String> done = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(elf.needed());
        while (!todo.isEmpty()) {
            String so = todo.pop();
            if (!done.add(so)) {
                continue;
            }
            Path file = available.get(so);
            if (file == null) {
                throw new IOException(program.getFileName() + " needs " + so + ", which no library package of the lock holds");
            }
            Path real = file.toRealPath();
            tree.file("lib/" + triplet + "/" + so, 0644, Files.readAllBytes(real));
            todo.addAll(elf(real).needed());
        }
        Path loader = available.get(interp.substring(interp.lastIndexOf('/') + 1));
        if (loader == null) {
            throw new IOException(program.getFileName() + "'s loader " + interp + " is in no library package of the lock");
        }
        tree.file(interp.substring(1), 0755, Files.readAllBytes(loader.toRealPath()));
    }

    private static ElfFile elf(Path p) throws IOException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p)) {
            throw new IOException(p + " is not a file");
        }
        try {
            return ElfFile.parse(Files.readAllBytes(p));
        } catch (ElfFormatException e) {
            throw new IOException(p + ": " + e.getMessage(), e);
        }
    }
}
