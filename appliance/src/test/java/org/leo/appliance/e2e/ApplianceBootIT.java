package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.ManifestTool;
import org.leo.image.CpioWriter;
import org.leo.image.DebCache;
import org.leo.image.HpcImageBuilder;
import org.leo.image.InputsLock;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;

/**
 * The appliance image booted under {@code qemu-system-aarch64 -M virt} (software emulation, 2 vCPUs,
 * 1 GiB) with the image's own kernel, initramfs and kernel command line (only the console is QEMU's
 * ttyAMA0 instead of the Pi's ttyS1), its disk grown to 1 GiB as an SD card would be larger than
 * the image, a swtpm as its TPM ({@code tpm-tis-device}; the kernel's driver for it,
 * {@link VirtTpmModule}, comes in an extra initramfs the test appends), and a seed volume labelled
 * LEO-SEED with a configuration for {@code leo serve} (the HPC segment on a second NIC, eth1,
 * 10.77.0.1/24 by systemd-networkd; attestation on, no DHCP, no warm-up). In order:
 * <ol>
 * <li>the first boot: /init opens the dm-verity root, leo-firstboot makes partition 4, LUKS2 with
 * its key sealed to the TPM, copies the seed; leo-gateway.service loads the HPC segment's nftables
 * table, leo-keys.service ({@code leo firstboot}) makes the Pi's keys and prints its enrollment
 * token, and {@code leo serve} (the unit, user leo) reaches "ready" with the Pi's TPM /dev/tpmrm0
 * signing its log and the gateway's table watched;</li>
 * <li>the second boot with the same disk and TPM: the partition is there, systemd-cryptsetup opens it
 * with the TPM, the same token is printed, the firewall is loaded and systemd starts leo;</li>
 * <li>the same disk with another TPM: the state does not open and leo.service does not start;</li>
 * <li>the image with one byte of its root changed: /init refuses to mount it (dm-verity);</li>
 * <li>a first boot whose configuration names no HPC interface: the firewall cannot be loaded and leo does not start.</li>
 * </ol>
 * Each boot's time to its marker is printed.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApplianceBootIT {
    private static final Duration BOOT = Duration.ofMinutes(10);
    private static final Pattern READY_OR_FAIL = Pattern.compile("leo serve: ready|LEO-FIRSTBOOT-FAIL|LEO-APPLIANCE-FAIL|Kernel panic");
    private static final Pattern STARTED_OR_FAIL = Pattern.compile("Started leo\\.service|Dependency failed for leo|LEO-FIRSTBOOT-FAIL|LEO-APPLIANCE-FAIL"
            + "|Kernel panic");
    @TempDir
    static Path tmp;
    static ApplianceImage.Built image;
    static Path kernel;
    static Path initrd;
    static String append;
    static Path seed;
    static Path disk;
    static Path tpmState;
    static String token;
    private static final Pattern TOKEN = Pattern.compile("leo1-[a-z2-7]{213}\\b");

    @BeforeAll
    static void prepare() throws Exception {
        Optional<String> why = ApplianceImage.unavailable().or(VirtTpmModule::unavailable);
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        assumeTrue(Exec.onPath("qemu-system-aarch64"), "qemu-system-aarch64 is missing (qemu-system-arm; scripts/install-deps test)");
        assumeTrue(Exec.onPath("swtpm"), "swtpm is missing (scripts/install-deps test)");
        image = ApplianceImage.first();
        Path boot = Files.createDirectories(tmp.resolve("boot"));
        run("mcopy", "-i", image.image() + "@@1M", "::vmlinuz", "::initrd.img", boot.toString());
        kernel = boot.resolve("vmlinuz");
        initrd = withTpmDriver(boot.resolve("initrd.img"));
        append = image.info("cmdline").replace("console=tty0 console=ttyS1,115200", "console=ttyAMA0");
        seed = seedVolume(tmp.resolve("seed"), "interface=eth1\naddress=10.77.0.1\n");
        disk = card("disk.img");
        tpmState = Files.createDirectories(tmp.resolve("tpm"));
    }

    @Test
    @Order(1)
    void theFirstBootSealsTheStateToTheTpmAndLeoServesWithIt() throws Exception {
        Boot b = boot("first", disk, tpmState, READY_OR_FAIL);
        assertThat(b.last().text()).contains("leo serve: ready");
        b.assertSaw("LEO-APPLIANCE-ROOT data=/dev/vda2 hash=/dev/vda3 roothash=" + image.info("verity-roothash"));
        b.assertSaw("LEO-FIRSTBOOT-DONE /dev/vda4: LUKS2, its key sealed to this TPM");
        b.assertSaw("New TPM2 token enrolled as key slot 1.");
        b.assertSaw("seeded /etc/leo and /var/lib/leo from /dev/vdb (LEO-SEED)");
        b.assertSaw("the Pi's TPM device:/dev/tpmrm0 signs the event log head");
        b.assertSaw("leo serve: TPM: device:/dev/tpmrm0");
        // leo-gateway.service (leo gateway apply) loaded the HPC segment's firewall before leo serve, which watches it
        b.assertSaw("leo gateway apply: table inet leo loaded: HPC segment eth1 (10.77.0.0/24)");
        b.assertSaw("leo serve: gateway: blocked attempts from the HPC segment become findings");
        // leo-keys.service (leo firstboot) made the Pi's keys in its TPM and printed its enrollment token on the console
        token = b.token();
        System.out.println("ApplianceBootIT: the first boot's enrollment token " + token);
    }

    @Test
    @Order(2)
    void theSecondBootOpensTheStateWithTheSameTpm() throws Exception {
        // up to systemd starting leo (its state mounted, its firewall loaded, the token printed): the first boot showed
        // leo serve reaching ready, which under emulation takes another minute
        Boot b = boot("second", disk, tpmState, STARTED_OR_FAIL);
        assertThat(b.last().text()).contains("Started leo.service");
        b.assertSaw("LEO-FIRSTBOOT-PRESENT /dev/vda4");
        assertThat(b.lines()).noneMatch(l -> l.text().contains("LEO-FIRSTBOOT-DONE"));
        assertThat(b.token()).as("the same TPM and state: the same keys, the same token").isEqualTo(token);
        b.assertSaw("leo gateway apply: table inet leo loaded: HPC segment eth1");
    }

    @Test
    @Order(3)
    void anotherTpmCannotOpenTheStateAndLeoDoesNotStart() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other-tpm"));
        // leo-keys.service fails first (the same dependency); wait for leo.service's own, by its description
        Boot b = boot("foreign-tpm", disk, other, Pattern.compile("Dependency failed for .*Leo trusted-compute appliance|leo serve: ready"));
        assertThat(b.last().text()).contains("Leo trusted-compute appliance").contains("Dependency failed for");
        b.assertSaw("Failed to start systemd-cr");
        assertThat(b.lines()).noneMatch(l -> l.text().contains("leo serve:"));
    }

    @Test
    @Order(4)
    void aChangedByteInTheRootStopsTheBootInTheInitramfs() throws Exception {
        Path tampered = tmp.resolve("tampered.img");
        Files.copy(image.image(), tampered);
        long[] p2 = ApplianceImage.partition(image, 2);
        try (RandomAccessFile f = new RandomAccessFile(tampered.toFile(), "rw")) {
            f.seek(p2[0] * 512 + 40); // the squashfs superblock, which mount reads first
            int b = f.read();
            f.seek(p2[0] * 512 + 40);
            f.write(b ^ 0x01);
        }
        Boot b = boot("tampered", tampered, Files.createDirectories(tmp.resolve("tpm-tampered")), READY_OR_FAIL);
        assertThat(b.last().text()).contains("LEO-APPLIANCE-FAIL the verity root on /dev/vda2 does not mount");
        b.assertSaw("device-mapper: verity");
    }

    @Test
    @Order(5)
    void withoutItsFirewallLeoDoesNotServe() throws Exception {
        // a configuration that names no HPC interface: leo gateway apply cannot make the table, so leo.service's dependency fails
        Path noInterface = seedVolume(tmp.resolve("seed-no-interface"), "address=10.0.2.15\n");
        Boot b = boot("no-firewall", card("disk-no-firewall.img"), Files.createDirectories(tmp.resolve("tpm-no-firewall")), noInterface,
                Pattern.compile("Dependency failed for .*Leo trusted-compute appliance|leo serve: ready"));
        assertThat(b.last().text()).contains("Leo trusted-compute appliance").contains("Dependency failed for");
        b.assertSaw("say which interface is the HPC segment's: --interface IF");
        assertThat(b.lines()).noneMatch(l -> l.text().contains("leo serve:"));
    }

    /** A copy of the image grown to 1 GiB, as a card larger than the image: the first boot makes its state partition in the rest. */
    private static Path card(String name) throws IOException {
        Path card = tmp.resolve(name);
        Files.copy(image.image(), card);
        try (RandomAccessFile f = new RandomAccessFile(card.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        return card;
    }

    /** One boot's serial lines, up to the first one matching the pattern. */
    record Boot(String name, List<SerialLine> lines, SerialLine last) {
        void assertSaw(String text) {
            assertThat(lines).as(name + " boot: a line with '" + text + "'").anyMatch(l -> l.text().contains(text));
        }

        /** The enrollment token leo firstboot printed: 'leo1-' and 213 base32 characters. */
        String token() {
            List<String> found = lines.stream().map(l -> TOKEN.matcher(l.text())).filter(Matcher::find).map(m -> m.group()).toList();
            assertThat(found).as(name + " boot: the enrollment token on the console").hasSize(1);
            return found.get(0);
        }
    }

    private static Boot boot(String name, Path diskImage, Path tpm, Pattern until) throws Exception {
        return boot(name, diskImage, tpm, seed, until);
    }

    private static Boot boot(String name, Path diskImage, Path tpm, Path seed, Pattern until) throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run-" + name));
        try (VmTpm swtpm = VmTpm.start(tpm, run)) {
            List<String> extra = new ArrayList<>(List.of("-cpu", "cortex-a57", "-smp", "2",
                    "-drive", "if=none,id=d0,format=raw,file=" + diskImage, "-device", "virtio-blk-pci,drive=d0",
                    "-drive", "if=none,id=d1,format=raw,readonly=on,file=" + seed, "-device", "virtio-blk-pci,drive=d1",
                    "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0", // eth0, the uplink (DHCP)
                    "-netdev", "user,id=n1,restrict=on", "-device", "virtio-net-pci,netdev=n1")); // eth1, the HPC segment (no HPC on it)
            extra.addAll(swtpm.qemuArgs("tpm-tis-device"));
            try (QemuVm vm = QemuVm.directBoot(kernel, initrd, append, run).binary("qemu-system-aarch64").machine("virt").memoryMiB(1024)
                    .extraArgs(extra.toArray(String[]::new)).start()) {
                SerialLine last = vm.awaitSerial(until, BOOT);
                List<SerialLine> lines = vm.serialLines();
                System.out.printf("ApplianceBootIT: %s boot: '%s' after %.1f s%n", name, last.text().strip(), last.at().toMillis() / 1000.0);
                for (SerialLine l : lines) {
                    if (l.text().matches(".*(LEO-|leo serve: (TPM|ready|gateway)|leo gateway apply|leo1-|Cryptography Setup|Started leo|Dependency failed for leo).*")) {
                        System.out.println("  " + l);
                    }
                }
                return new Boot(name, lines, last);
            }
        }
    }

    /** The image's initramfs with a second one appended that brings tpm_tis_core.ko and tpm_tis.ko (see {@link VirtTpmModule}). */
    private static Path withTpmDriver(Path initrd) throws Exception {
        InputsLock lock = InputsLock.read(ApplianceImage.LOCK);
        InputsLock.Deb kernelDeb = lock.debStartingWith("linux-image-").orElseThrow();
        String kver = kernelDeb.name().substring("linux-image-".length());
        Path core = new DebCache(ApplianceImage.CACHE).unpacked(kernelDeb).resolve("lib/modules/" + kver + "/kernel/drivers/char/tpm/tpm_tis_core.ko");
        Path tis = VirtTpmModule.build(kernelDeb, ApplianceImage.CACHE);
        List<CpioWriter.Entry> entries = List.of(CpioWriter.Entry.dir("lib", 0755), CpioWriter.Entry.dir("lib/modules", 0755),
                CpioWriter.Entry.dir("lib/modules/extra", 0755), CpioWriter.Entry.file("lib/modules/extra/tpm_tis_core.ko", 0644, Files.readAllBytes(core)),
                CpioWriter.Entry.file("lib/modules/extra/tpm_tis.ko", 0644, Files.readAllBytes(tis)),
                CpioWriter.Entry.file("lib/modules/extra/load-order", 0644, "tpm_tis_core\ntpm_tis\n".getBytes(StandardCharsets.US_ASCII)));
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        try (HpcImageBuilder.GzipLevel9 gz = new HpcImageBuilder.GzipLevel9(extra)) {
            CpioWriter.write(entries, ApplianceImage.EPOCH, gz);
        }
        Path out = initrd.resolveSibling("initrd-with-tpm.img");
        Files.write(out, Files.readAllBytes(initrd));
        Files.write(out, extra.toByteArray(), java.nio.file.StandardOpenOption.APPEND);
        return out;
    }

    /**
     * A FAT volume labelled LEO-SEED, as an operator's USB stick: etc-leo/ (leo.properties, the boot
     * manifest's public key, an attestation policy for HPCs without TPM) and leo/ (a boot root of
     * placeholders and its signed manifest). {@code network} is leo.properties' first lines: the interface and address.
     */
    private static Path seedVolume(Path dir, String network) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc-leo"));
        Path state = Files.createDirectories(dir.resolve("leo"));
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(dir.resolve("keys"));
        Files.copy(keys.publicKey(), etc.resolve("boot-manifest.pub"));
        Path bootRoot = E2eFiles.placeholderBootRoot(state.resolve("boot"));
        ManifestTool.create(bootRoot, keys.privateKey(), state.resolve("boot.manifest"), "leo-seed-test");
        Files.writeString(etc.resolve("leo.properties"), network + "no-dhcp=true\nno-warmup=true\nattest=true\n"
                + "attest-policy=/etc/leo/attestation.policy\ngateway-watch=5\n");
        Files.writeString(etc.resolve("attestation.policy"), "tpm.required=false\n");
        // the HPC segment's port, as systemd-networkd reads it (/etc/systemd/network/50-leo-hpc.network links here)
        Files.writeString(etc.resolve("hpc.network"), "[Match]\nName=eth1\n\n[Network]\nAddress=10.77.0.1/24\nConfigureWithoutCarrier=yes\n");
        Path img = dir.resolve("seed.img");
        run("mkfs.fat", "-n", "LEO-SEED", "-C", img.toString(), "8192");
        run("mmd", "-i", img.toString(), "::etc-leo", "::leo", "::leo/boot");
        for (String f : List.of("leo.properties", "boot-manifest.pub", "attestation.policy", "hpc.network")) {
            run("mcopy", "-i", img.toString(), etc.resolve(f).toString(), "::etc-leo/" + f);
        }
        run("mcopy", "-i", img.toString(), state.resolve("boot.manifest").toString(), "::leo/boot.manifest");
        for (String f : List.of("vmlinuz", "initrd.img")) {
            run("mcopy", "-i", img.toString(), bootRoot.resolve(f).toString(), "::leo/boot/" + f);
        }
        return img;
    }

    private static void run(String... cmd) throws IOException {
        Exec.Result r = Exec.run(Duration.ofMinutes(2), List.of(cmd));
        assertThat(r.exitCode()).as(String.join(" ", cmd) + ": " + r.output()).isZero();
    }
}
