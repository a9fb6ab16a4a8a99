package org.leo.image.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.leo.image.DebCache;
import org.leo.image.InputsLock;
import org.leo.image.Processes;

/**
 * The appliance's root file system ({@link RootTree}): Debian's packages of the lock unpacked (never
 * installed: no maintainer script runs), merged into /usr as Debian 12 installs them, without
 * documentation (each package's copyright stays), manual pages, translations, SysV init scripts or
 * anything under /var (a tmpfs at run time); the Java runtime linked for the appliance; the Leo
 * Debian package's files; the kernel modules the Pi 4 and QEMU's virt machine need (with the
 * indexes depmod writes); and what the image adds: users and groups ({@link SysUsers}), fstab and
 * crypttab, the first boot's unit and script, leo.service's drop-in, the units it enables and masks.
 */
final class ApplianceRoot {
    /**
     * Lock packages that are not copied into the root: the boot partition's, the initramfs's busybox, the JDK (its jmods
     * are linked). dmsetup is in both: in the root its udev rules tell cryptsetup that udev has made a volume's nodes.
     */
    static final List<String> NOT_IN_ROOT = List.of("raspi-firmware", "busybox-static", InputsLock.JDK_PACKAGE);
    /**
     * The Java modules of {@code leo serve}: java.base, logging, management (Quarkus, Micrometer, JMX),
     * naming and jdk.naming.dns (Netty, Vert.x), sql (sqlite-jdbc), xml, net.http (the EVM ledger's
     * client), jdk.crypto.ec (TLS with EC keys), jdk.management (process metrics), jdk.unsupported
     * (Netty), jdk.zipfs (Quarkus reads its jars as file systems). Measured: leo serve reaches
     * "ready" with these and fails without jdk.zipfs or java.net.http.
     */
    static final List<String> JRE_MODULES = List.of("java.base", "java.logging", "java.management", "java.naming", "java.net.http",
            "java.sql", "java.xml", "jdk.crypto.ec", "jdk.management", "jdk.naming.dns", "jdk.unsupported", "jdk.zipfs");
    /** Where the runtime goes; {@code /usr/bin/java} links to its java. */
    static final String JRE_DIR = "usr/lib/jvm/leo-jre";
    /**
     * The kernel modules of the root, by directory under lib/modules/VERSION (with every module they
     * depend on): the SD card and the Pi 4's own devices (Ethernet, USB, SPI and I2C, TPMs, random
     * number generator, watchdog, thermal, cpufreq), USB network adapters (the HPC segment's port),
     * QEMU's virtio devices, device-mapper (verity, crypt), ext4 and FAT (the state and a seed
     * volume), autofs (systemd asks for it), netfilter, and the kernel's crypto.
     */
    static final List<String> ROOT_MODULES = List.of("kernel/drivers/mmc/", "kernel/drivers/net/ethernet/broadcom/genet/",
            "kernel/drivers/net/phy/broadcom.ko", "kernel/drivers/net/mdio/mdio-bcm-unimac.ko", "kernel/drivers/net/usb/",
            "kernel/drivers/net/virtio_net.ko", "kernel/drivers/usb/host/", "kernel/drivers/usb/core/", "kernel/drivers/usb/dwc2/",
            "kernel/drivers/usb/storage/", "kernel/drivers/reset/reset-raspberrypi.ko", "kernel/drivers/spi/spi-bcm2835",
            "kernel/drivers/i2c/busses/i2c-bcm2835.ko", "kernel/drivers/char/tpm/", "kernel/drivers/char/hw_random/",
            "kernel/drivers/watchdog/bcm2835_wdt.ko", "kernel/drivers/thermal/broadcom/", "kernel/drivers/cpufreq/raspberrypi-cpufreq.ko",
            "kernel/drivers/block/virtio_blk.ko", "kernel/drivers/virtio/", "kernel/drivers/char/virtio_console.ko",
            "kernel/drivers/md/dm-mod.ko", "kernel/drivers/md/dm-verity.ko", "kernel/drivers/md/dm-crypt.ko",
            "kernel/drivers/scsi/sd_mod.ko", "kernel/fs/ext4/", "kernel/fs/fat/", "kernel/fs/squashfs/", "kernel/fs/nls/nls_cp437.ko",
            "kernel/fs/nls/nls_ascii.ko", "kernel/fs/nls/nls_iso8859-1.ko", "kernel/fs/nls/nls_utf8.ko", "kernel/fs/autofs/", "kernel/net/netfilter/", "kernel/net/ipv4/netfilter/",
            "kernel/net/ipv6/netfilter/", "kernel/net/8021q/", "kernel/crypto/", "kernel/arch/arm64/crypto/");

    private ApplianceRoot() {
    }

    /** What the root is made of. */
    record Inputs(InputsLock lock, DebCache cache, Path kernelModules, String kernelVersion, Path jre, Path leoPackage, String imageId,
            int diskId, long sourceDateEpoch, Path work) {
    }

    static RootTree build(Inputs in) throws IOException {
        RootTree root = new RootTree();
        for (String d : List.of("dev", "proc", "sys", "run", "tmp", "var", "state", "usr/bin", "usr/sbin", "usr/lib")) {
            root.dir(d, 0755);
        }
        root.dir("root", 0700);
        root.link("bin", "usr/bin");
        root.link("sbin", "usr/sbin");
        root.link("lib", "usr/lib");
        for (InputsLock.Deb deb : in.lock().debs()) {
            if (NOT_IN_ROOT.contains(deb.name()) || deb.name().startsWith("linux-image-")) {
                continue;
            }
            root.copyTree(in.cache().unpacked(deb), deb.toString(), ApplianceRoot::kept, ApplianceRoot::mergedUsr);
        }
        root.copyTree(in.jre(), "the jlink runtime", rel -> true, rel -> JRE_DIR + "/" + rel);
        root.link("usr/bin/java", "../lib/jvm/leo-jre/bin/java");
        addLeo(root, in.leoPackage(), in.work());
        addModules(root, in);
        addImageFiles(root, in);
        return root;
    }

    /** Whether a package's file goes into the root (its path relative to the package). */
    static boolean kept(String rel) {
        if (rel.startsWith(".leo") || rel.equals("var") || rel.startsWith("var/")) {
            return false;
        }
        if (rel.startsWith("usr/share/doc/")) {
            String[] p = rel.split("/");
            return p.length == 4 || (p.length == 5 && p[4].equals("copyright"));
        }
        for (String dropped : List.of("usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "usr/share/bash-completion",
                "usr/share/zsh", "usr/share/fish", "usr/share/bug", "usr/share/gcc", "usr/share/gdb", "usr/share/menu", "usr/share/doc-base",
                "usr/share/initramfs-tools", "etc/initramfs-tools", "etc/init.d", "etc/cron.d", "etc/cron.daily", "etc/logrotate.d",
                "etc/kernel", "usr/lib/kernel", "lib/systemd/system-generators/systemd-sysv-generator")) {
            if (rel.equals(dropped) || rel.startsWith(dropped + "/")) {
                return false;
            }
        }
        return true;
    }

    /** A package's /bin, /sbin and /lib go to /usr, as on an installed Debian 12 (the top-level names are links). */
    static String mergedUsr(String rel) {
        for (String top : List.of("bin", "sbin", "lib")) {
            if (rel.equals(top) || rel.startsWith(top + "/")) {
                return "usr/" + rel;
            }
        }
        return rel;
    }

    /** The Leo Debian package: its launcher, jars, unit and default configuration (kept for the first boot to copy). */
    private static void addLeo(RootTree root, Path deb, Path work) throws IOException {
        Path x = Files.createDirectories(work.resolve("leo-deb"));
        Processes.run(null, List.of("dpkg-deb", "-x", deb.toString(), x.toString()), 600);
        root.copyTree(x, deb.getFileName().toString(), ApplianceRoot::kept, ApplianceRoot::mergedUsr);
        if (root.get("usr/lib/systemd/system/leo.service").isEmpty() || root.get("usr/bin/leo").isEmpty()) {
            throw new IOException(deb + " holds no /lib/systemd/system/leo.service or /usr/bin/leo: is it the Leo package?");
        }
        root.copyTree(x.resolve("etc/leo"), deb.getFileName().toString(), rel -> true, rel -> "usr/share/leo-appliance/etc-leo/" + rel);
        root.file(JNI_DIR + "/libjnidispatch.so", 0644, jnaDispatch(x.resolve("usr/share/leo/lib/main")));
    }

    /**
     * Where the image keeps JNA's native library, taken from the package's own JNA jar at build time: JNA would otherwise
     * unpack it at run time into leo's home, the state partition, which is mounted noexec, and fail ("failed to map segment
     * from shared object"). The package's launcher points JNA here (jna.boot.library.path) when the directory exists.
     */
    static final String JNI_DIR = "usr/lib/leo/jni";

    /** linux-aarch64/libjnidispatch.so from the package's jar {@code net.java.dev.jna.jna-VERSION.jar}. */
    private static byte[] jnaDispatch(Path jars) throws IOException {
        List<Path> jna;
        try (var s = Files.list(jars)) {
            jna = s.filter(p -> p.getFileName().toString().matches("net\\.java\\.dev\\.jna\\.jna-[0-9.]+\\.jar")).toList();
        }
        if (jna.size() != 1) {
            throw new IOException("the Leo package holds " + jna.size() + " JNA jars in /usr/share/leo/lib/main (expected one)");
        }
        try (ZipFile z = new ZipFile(jna.get(0).toFile())) {
            ZipEntry e = z.getEntry("com/sun/jna/linux-aarch64/libjnidispatch.so");
            if (e == null) {
                throw new IOException(jna.get(0).getFileName() + " has no com/sun/jna/linux-aarch64/libjnidispatch.so");
            }
            try (var in = z.getInputStream(e)) {
                return in.readAllBytes();
            }
        }
    }

    private static void addModules(RootTree root, Inputs in) throws IOException {
        KernelModules km = new KernelModules(in.kernelModules());
        Path t = Files.createDirectories(in.work().resolve("modules"));
        Path dir = Files.createDirectories(t.resolve("lib/modules").resolve(in.kernelVersion()));
        for (KernelModules.Module m : km.closure(km.under(ROOT_MODULES))) {
            Path to = dir.resolve(m.path());
            Files.createDirectories(to.getParent());
            Files.copy(m.file(), to);
        }
        for (String f : List.of("modules.builtin", "modules.builtin.modinfo", "modules.order")) {
            Files.copy(in.kernelModules().resolve(f), dir.resolve(f));
        }
        Processes.run(null, List.of("depmod", "-b", t.toString(), in.kernelVersion()), 600);
        root.copyTree(t.resolve("lib/modules"), "the kernel's modules", rel -> true, rel -> "usr/lib/modules/" + rel);
    }

    private static void addImageFiles(RootTree root, Inputs in) throws IOException {
        String partuuid = HexFormat.of().toHexDigits(in.diskId());
        root.text("etc/leo-image", 0644, in.imageId() + "\n");
        root.text("usr/lib/os-release", 0644, "PRETTY_NAME=\"Leo appliance (" + in.imageId() + ", Debian 12 packages)\"\nNAME=\"Leo appliance\"\n"
                + "ID=leo-appliance\nID_LIKE=debian\nVERSION_ID=12\nIMAGE_ID=" + in.imageId() + "\nHOME_URL=\"https://github.com/leo\"\n");
        root.link("etc/os-release", "../usr/lib/os-release");
        root.text("etc/hostname", 0644, "leo\n");
        root.text("etc/hosts", 0644, "127.0.0.1 localhost\n127.0.1.1 leo\n::1 localhost\n");
        root.text("etc/nsswitch.conf", 0644, "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n");
        root.file("etc/machine-id", 0444, new byte[0]); // systemd mounts a transient id over it on the read-only root
        // systemd's ConditionNeedsUpdate=/etc compares /usr's time (SOURCE_DATE_EPOCH) with this: equal, so no update runs
        root.text("etc/.updated", 0644, "# the image's build time: /etc is as new as /usr (systemd-update-done.service(8))\nTIMESTAMP_NSEC="
                + in.sourceDateEpoch() + "000000000\n");
        root.text("etc/fstab", 0644, resource("fstab"));
        root.text("etc/crypttab", 0600, resource("crypttab").replace("@PARTUUID@", partuuid + "-04"));
        root.text("usr/lib/sysusers.d/leo-appliance.conf", 0644, resource("leo-appliance.sysusers"));
        root.text("usr/lib/leo-appliance/firstboot", 0755, resource("firstboot.sh"));
        root.text("usr/lib/systemd/system/leo-firstboot.service", 0644, resource("leo-firstboot.service"));
        root.text("etc/systemd/system/leo.service.d/leo-appliance.conf", 0644, resource("leo-appliance.conf"));
        root.text("etc/systemd/system/systemd-networkd.service.d/leo-appliance.conf", 0644, resource("networkd-after-state.conf"));
        root.text("etc/systemd/network/80-leo-uplink.network", 0644, resource("80-leo-uplink.network"));
        root.link("etc/systemd/network/50-leo-hpc.network", "/etc/leo/hpc.network");
        root.link("etc/systemd/system/default.target", "/lib/systemd/system/multi-user.target");
        for (String[] enable : new String[][] {{"multi-user.target.wants", "leo.service"}, {"sysinit.target.wants", "leo-firstboot.service"},
                {"leo.service.wants", "leo-keys.service"}, {"leo.service.wants", "leo-gateway.service"},
                {"multi-user.target.wants", "systemd-networkd.service"}, {"sockets.target.wants", "systemd-networkd.socket"},
                {"network-online.target.wants", "systemd-networkd-wait-online.service"}}) {
            root.link("etc/systemd/system/" + enable[0] + "/" + enable[1], "/lib/systemd/system/" + enable[1]);
        }
        // Masked: no one logs in (no getty, no logind, which would also need D-Bus, not in the image).
        for (String mask : List.of("getty.target", "systemd-logind.service")) {
            root.link("etc/systemd/system/" + mask, "/dev/null");
        }
        Map<String, String> confs = new TreeMap<>();
        for (Map.Entry<String, RootTree.Node> e : root.nodes().entrySet()) {
            if (e.getKey().startsWith("usr/lib/sysusers.d/") && e.getKey().endsWith(".conf") && e.getValue() instanceof RootTree.File f) {
                confs.put(e.getKey().substring(e.getKey().lastIndexOf('/') + 1), new String(f.read(), StandardCharsets.UTF_8));
            }
        }
        SysUsers.Files users = SysUsers.build(confs);
        root.text("etc/passwd", 0644, users.passwd());
        root.text("etc/group", 0644, users.group());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = ApplianceRoot.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
