package org.leo.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.boot.manifest.ManifestTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the HPC boot image from pinned inputs ({@link InputsLock}): the Debian kernel
 * ({@code vmlinuz}), and an initramfs ({@code initrd.img}, gzip'd newc cpio written by
 * {@link CpioWriter}) holding static busybox, /init, the NIC, disk and USB drivers, the shared
 * libraries the JVM needs, a Java runtime made by jlink with only the agent's modules, and the agent. When
 * the lock pins {@value HpcUki#STUB_PACKAGE}, the unified kernel image of the two ({@link HpcUki}:
 * {@code leo-hpc.efi}, which UEFI HPCs boot, measured) and its expected measurements
 * ({@code leo-hpc.efi.measurements}). Then the iPXE script template the server renders per boot
 * ({@code boot.ipxe.template}: the UKI on UEFI, kernel and initrd on BIOS), and the signed boot
 * manifest over them all, when a key is given. The variant with the task engine ({@code withDocker},
 * {@code leo image build-hpc --with-docker}) adds dockerd, containerd and runc ({@link DockerEngine}).
 *
 * <p>One architecture per build, the lock's: amd64 ({@code os-image/inputs.lock}) or arm64
 * ({@code os-image/inputs-arm64.lock}); the jmods come from the lock's JDK package of that
 * architecture, so any JDK 17 of the build machine can run jlink.
 *
 * <p>Reproducible: nothing of the build machine reaches the output but the pinned inputs. Entries
 * are sorted, owned by root, stamped with SOURCE_DATE_EPOCH; gzip has no name and no time; jlink's
 * output and the Ed25519 signature are deterministic. {@code HpcImageReproducibleTest} builds twice
 * and compares bytes.
 */
public final class HpcImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(HpcImageBuilder.class);
    /** The Java modules the agent uses (grpc-java, Netty, protobuf, JNA, JDK TLS with EC keys). */
    public static final List<String> JRE_MODULES = List.of("java.base", "java.logging", "java.management", "java.naming",
            "jdk.crypto.ec", "jdk.unsupported");
    /**
     * Drivers loaded at boot on amd64, in dependency order (each after the modules its
     * {@code depends=} names): the NICs (QEMU's virtio-net and e1000, Intel e1000e and igb); the
     * disks an attestation policy may fingerprint (virtio-blk, NVMe with its T10
     * protection-information CRCs); and the USB host controller (xHCI), so that a USB device
     * plugged into the HPC shows in /sys and is a finding. No disk is mounted: the drivers only
     * make the devices readable. Modules built into the kernel are skipped.
     */
    public static final List<String> DRIVER_MODULES_AMD64 = List.of("virtio_ring", "virtio", "virtio_pci_modern_dev",
            "virtio_pci_legacy_dev", "virtio_pci", "failover", "net_failover", "virtio_net", "e1000", "e1000e", "dca",
            "i2c-algo-bit", "igb", "virtio_blk", "crct10dif_common", "crct10dif_generic", "crc-t10dif", "crc64",
            "crc64_rocksoft_generic", "crc64-rocksoft", "t10-pi", "nvme-core", "nvme", "usb-common", "usbcore", "xhci-hcd",
            "xhci-pci");
    /**
     * The same on arm64: no DCA (an Intel chipset feature igb uses only on x86), virtio and the
     * generic PCI host built in, and the platform xHCI driver of SoCs besides the PCI one.
     */
    public static final List<String> DRIVER_MODULES_ARM64 = java.util.stream.Stream.concat(
            DRIVER_MODULES_AMD64.stream().filter(m -> !m.equals("dca")), java.util.stream.Stream.of("xhci-plat-hcd")).toList();

    /**
     * The image's own kernel arguments, in its iPXE template: the console on the screen and on the
     * first serial port (the last {@code console=} is /dev/console, where /init writes), reboot 10 s
     * after a panic, and a quiet kernel so that /init's lines stand out.
     */
    static String kernelArguments(String arch) {
        String serial = switch (arch) {
            case "amd64" -> "ttyS0";
            case "arm64" -> "ttyAMA0";
            default -> throw new IllegalArgumentException("no console for architecture " + arch);
        };
        return "console=tty0 console=" + serial + ",115200 panic=10 quiet loglevel=4";
    }

    /**
     * The kernel arguments of the image or of its variant with the task engine, which adds
     * {@value DockerEngine#KERNEL_ARGUMENT} ({@link DockerEngine#KERNEL_ARGUMENT}'s reason).
     */
    public static String kernelArguments(String arch, boolean withDocker) {
        return kernelArguments(arch) + (withDocker ? " " + DockerEngine.KERNEL_ARGUMENT : "");
    }

    /** The drivers of {@code arch}, in load order. */
    public static List<String> driverModules(String arch) {
        return switch (arch) {
            case "amd64" -> DRIVER_MODULES_AMD64;
            case "arm64" -> DRIVER_MODULES_ARM64;
            default -> throw new IllegalArgumentException("no driver list for architecture " + arch);
        };
    }

    /** The shared libraries' packages: the JVM's (libc, libgcc, libstdc++, zlib) and libcrypto (the agent's SHA-256). */
    static final List<String> LIBRARY_PACKAGES = List.of("libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libssl3");

    /**
     * What to build from.
     *
     * @param agentJars      the hpc-agent jar and its runtime dependencies, in class path order
     * @param jvmOptions     hpc-agent/jvm.options
     * @param jdkHome        a JDK 17 to run jlink from (it links the lock's JDK package's jmods)
     * @param sourceDateEpoch the time stamped on every entry and on the manifest
     * @param manifestKey    the appliance's Ed25519 key to sign the boot manifest with, or null
     * @param withDocker     the variant with the task engine ({@link DockerEngine}: dockerd, containerd, runc)
     */
    public record Config(InputsLock lock, Path cacheDir, List<Path> agentJars, Path jvmOptions, Path jdkHome, Path outDir,
            long sourceDateEpoch, String imageId, Path manifestKey, boolean withDocker) {
        /** The image without the task engine. */
        public Config(InputsLock lock, Path cacheDir, List<Path> agentJars, Path jvmOptions, Path jdkHome, Path outDir,
                long sourceDateEpoch, String imageId, Path manifestKey) {
            this(lock, cacheDir, agentJars, jvmOptions, jdkHome, outDir, sourceDateEpoch, imageId, manifestKey, false);
        }
    }

    /** What was built: the files, their sizes, the kernel version and how long each step took. */
    public record Result(Path vmlinuz, Path initrd, Path ipxeTemplate, Path manifest, String kernelVersion, long initrdBytes,
            long initrdUncompressedBytes, int entries, Map<String, Duration> steps, java.util.Optional<HpcUki.Built> uki) {
        /** The files a rebuild must reproduce byte for byte (the manifest aside: it is signed with the build's key). */
        public List<Path> outputs() {
            List<Path> files = new ArrayList<>(List.of(vmlinuz, initrd));
            uki.ifPresent(u -> files.addAll(List.of(u.uki(), u.measurementsFile())));
            files.add(ipxeTemplate);
            return files;
        }
    }

    private HpcImageBuilder() {
    }

    /**
     * The agent's class path: its jar, then the jars of {@code libDir} (hpc-agent/target/agent-lib)
     * in name order, so the order, and with it {@code agent.args}, does not depend on the directory.
     */
    public static List<Path> agentJars(Path agentJar, Path libDir) throws IOException {
        List<Path> jars = new ArrayList<>(List.of(agentJar));
        try (var s = Files.list(libDir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        return jars;
    }

    public static Result build(Config c) throws IOException {
        BuildSteps steps = new BuildSteps(LOG);
        DebCache cache = new DebCache(c.cacheDir());
        // the engine's packages only for the variant that has it
        cache.prefetch(c.lock().debs().stream().filter(d -> c.withDocker() || !DockerEngine.packages().contains(d.name())).toList());
        InputsLock.Deb kernelDeb = c.lock().debStartingWith("linux-image-")
                .orElseThrow(() -> new IOException("the lock pins no linux-image- package"));
        String kver = kernelDeb.name().substring("linux-image-".length());
        Path kroot = cache.unpacked(kernelDeb);
        Path busybox = cache.unpacked(c.lock().require("busybox-static")).resolve("bin/busybox");
        List<Path> libs = new ArrayList<>();
        for (String p : LIBRARY_PACKAGES) {
            libs.add(cache.unpacked(c.lock().require(p)));
        }
        steps.done("inputs (fetch, verify, unpack)");

        Tree tree = new Tree();
        for (String d : List.of("bin", "dev", "etc", "proc", "root", "run", "sys", "tmp", "opt/leo/agent", "lib/modules")) {
            tree.dir(d);
        }
        tree.add(CpioWriter.Entry.charDevice("dev/console", 0600, 5, 1)); // before devtmpfs: early /init output
        tree.copy(busybox, "bin/busybox");
        tree.add(CpioWriter.Entry.symlink("bin/sh", "busybox"));
        tree.file("init", 0755, resource("init.sh"));
        tree.file("bin/udhcpc-hook", 0755, resource("udhcpc-hook.sh"));
        tree.file("etc/leo-image", 0644, (c.imageId() + "\n").getBytes(StandardCharsets.UTF_8));
        tree.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        tree.file("etc/group", 0644, "root:x:0:\n".getBytes(StandardCharsets.US_ASCII));
        tree.file("etc/hosts", 0644, "127.0.0.1 localhost\n::1 localhost\n".getBytes(StandardCharsets.US_ASCII));
        tree.file("etc/nsswitch.conf", 0644, "passwd: files\ngroup: files\nhosts: files dns\n".getBytes(StandardCharsets.US_ASCII));
        for (Path lib : libs) {
            tree.copyTree(lib, "", HpcImageBuilder::sharedObjects);
        }
        if (c.withDocker()) {
            DockerEngine.addTo(tree, c.lock(), cache);
        }
        StringBuilder order = new StringBuilder();
        Path moddir = kroot.resolve("lib/modules").resolve(kver);
        Map<String, Path> modules = moduleFiles(moddir);
        String builtin = Files.readString(moddir.resolve("modules.builtin"));
        List<String> loaded = new ArrayList<>(driverModules(c.lock().arch()));
        if (c.withDocker()) {
            loaded.addAll(DockerEngine.MODULES);
        }
        for (String m : loaded) {
            Path ko = modules.get(m);
            if (ko == null) {
                if (builtin.contains("/" + m + ".ko\n")) {
                    continue; // built into this kernel
                }
                throw new IOException("driver module " + m + " is not in " + kernelDeb);
            }
            tree.file("lib/modules/" + m + ".ko", 0644, moduleBytes(ko));
            order.append(m).append('\n');
        }
        tree.file("lib/modules/load-order", 0644, order.toString().getBytes(StandardCharsets.US_ASCII));
        steps.done("busybox, libraries, driver modules" + (c.withDocker() ? ", the task engine (dockerd, containerd, runc)" : ""));

        Path work = Files.createTempDirectory("leo-image-");
        try {
            Path jre = work.resolve("jre");
            Jlink.run(c.jdkHome(), cache.unpacked(c.lock().require(InputsLock.JDK_PACKAGE)), JRE_MODULES, jre);
            tree.copyTree(jre, "opt/leo/jre", rel -> true);
            steps.done("jlink runtime (" + String.join(",", JRE_MODULES) + ")");
        } finally {
            Tree.delete(work);
        }
        StringBuilder cp = new StringBuilder();
        for (Path jar : c.agentJars()) {
            String name = jar.getFileName().toString();
            tree.copy(jar, "opt/leo/agent/" + name);
            cp.append(cp.length() == 0 ? "" : ":").append("/opt/leo/agent/").append(name);
        }
        String options = Files.readString(c.jvmOptions(), StandardCharsets.UTF_8);
        tree.file("opt/leo/jvm.options", 0644, options.getBytes(StandardCharsets.UTF_8));
        // An argument file cannot include another: the options are repeated, then the class path and main class.
        String args = "# written by leo image build-hpc from hpc-agent/jvm.options\n" + options
                + "-Djava.io.tmpdir=/tmp\n" + (c.withDocker() ? DockerEngine.agentProperties() : "") + "-cp " + cp + "\norg.leo.agent.AgentMain\n";
        tree.file("opt/leo/agent.args", 0644, args.getBytes(StandardCharsets.UTF_8));

        Files.createDirectories(c.outDir());
        Path initrd = c.outDir().resolve("initrd.img");
        Path tmp = c.outDir().resolve(".initrd.img.tmp");
        List<CpioWriter.Entry> entries = tree.entries();
        long uncompressed;
        try (OutputStream out = new GzipLevel9(Files.newOutputStream(tmp))) {
            CountingStream counting = new CountingStream(out);
            CpioWriter.write(entries, c.sourceDateEpoch(), counting);
            uncompressed = counting.count;
        }
        Files.move(tmp, initrd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path vmlinuz = c.outDir().resolve("vmlinuz");
        Files.copy(kroot.resolve("boot/vmlinuz-" + kver), vmlinuz, StandardCopyOption.REPLACE_EXISTING);
        steps.done("initramfs (cpio, gzip -9)");
        java.util.Optional<HpcUki.Built> uki = java.util.Optional.empty();
        java.util.Optional<InputsLock.Deb> stubDeb = c.lock().deb(HpcUki.STUB_PACKAGE);
        if (stubDeb.isPresent()) {
            uki = java.util.Optional.of(HpcUki.build(cache.unpacked(stubDeb.get()), c.lock().arch(), vmlinuz, initrd, c.imageId(),
                    kernelArguments(c.lock().arch(), c.withDocker()), c.outDir()));
            steps.done("unified kernel image " + IpxeTemplate.UKI + " (" + stubDeb.get() + ")");
        } else {
            LOG.warn("{}: no {} (the {} lock pins no {}{}): UEFI HPCs boot vmlinuz and initrd.img, unmeasured, as BIOS ones do",
                    c.imageId(), IpxeTemplate.UKI, c.lock().arch(), HpcUki.STUB_PACKAGE, c.lock().arch().equals("arm64")
                            ? "; Debian's arm64 stub has no free header room for the UKI's sections, see inputs-arm64.lock" : "");
        }
        Path template = c.outDir().resolve(IpxeTemplate.FILE);
        Files.writeString(template, IpxeTemplate.forImage(c.imageId(), c.lock().arch(), "vmlinuz", "initrd.img",
                uki.isPresent() ? IpxeTemplate.UKI : null, kernelArguments(c.lock().arch(), c.withDocker())), StandardCharsets.US_ASCII);
        Path manifest = null;
        if (c.manifestKey() != null) {
            manifest = c.outDir().resolve("boot-manifest");
            ManifestTool.create(c.outDir(), c.manifestKey(), manifest, c.imageId(), Instant.ofEpochSecond(c.sourceDateEpoch()));
            steps.done("signed boot manifest");
        }
        long size = Files.size(initrd);
        LOG.info("built image {}: vmlinuz ({}) {} bytes, initrd.img {} bytes ({} uncompressed, {} entries){}", c.imageId(), kver,
                Files.size(vmlinuz), size, uncompressed, entries.size(),
                uki.map(u -> ", " + IpxeTemplate.UKI + " " + u.bytes() + " bytes").orElse(", no UKI"));
        return new Result(vmlinuz, initrd, template, manifest, kver, size, uncompressed, entries.size(), steps.steps(), uki);
    }

    /** Shared objects only: no documentation, no locale conversion modules, no audit libraries. */
    static boolean sharedObjects(String rel) {
        return (rel.startsWith("lib") || rel.startsWith("usr")) && !rel.startsWith("usr/share") && !rel.contains("/gconv")
                && !rel.contains("/audit") && !rel.startsWith(".leo");
    }

    /**
     * Every module file under {@code moddir} by module name ({@code .ko}, {@code .ko.xz} or
     * {@code .ko.zst}), from one walk; of two files with one name, the first in path order.
     */
    private static Map<String, Path> moduleFiles(Path moddir) throws IOException {
        Map<String, Path> byName = new java.util.TreeMap<>();
        try (var s = Files.walk(moddir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                for (String ext : List.of(".ko", ".ko.xz", ".ko.zst")) {
                    if (n.endsWith(ext)) {
                        byName.putIfAbsent(n.substring(0, n.length() - ext.length()), p);
                    }
                }
            }
        }
        return byName;
    }

    private static byte[] moduleBytes(Path ko) throws IOException {
        String n = ko.getFileName().toString();
        if (n.endsWith(".ko")) {
            return Files.readAllBytes(ko);
        }
        return Processes.output(null, List.of(n.endsWith(".xz") ? "xz" : "zstd", "-dc", ko.toString()), 120);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = HpcImageBuilder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** gzip at level 9; the JDK writes no file name and a zero time, as gzip -n does. */
    public static final class GzipLevel9 extends GZIPOutputStream {
        public GzipLevel9(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_COMPRESSION);
        }
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
