package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.image.HpcImageBuilder;
import org.leo.image.InputsLock;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.BootArtifacts;
import org.leo.pxe.vm.BootMode;
import org.leo.pxe.vm.BootRoot;
import org.leo.pxe.vm.Firmware;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;
import org.leo.pxe.vm.VmPreconditions;
import org.leo.protocol.tpm.SwtpmProcess;

/**
 * The whole loop: a disk-less QEMU VM (TCG) with a scratch disk PXE-boots the real HPC image (built
 * here by {@link HpcImageBuilder} from the pinned inputs) from the packaged {@code leo pxe serve
 * --attest}, whose TPM is a swtpm in the Pi's namespace. The image's agent enrolls with its boot
 * nonce and is attested at random intervals. Tampering through the QEMU monitor (a hot-plugged PCI
 * NIC or USB stick, a write to the scratch disk) is found, the VM is power-cycled through QMP,
 * boots again and is attested clean; then the Pi's TPM signs the head of the loop's event log.
 * A tampered initramfs in the boot root is refused at serve time. Prints the timelines.
 */
@Tag("system")
class HpcAttestationIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(300);
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static BootArtifacts image;
    /** The image's iPXE script template (copied into each boot root, so the manifest lists it). */
    private static Path ipxeTemplate;
    /** The image's unified kernel image and its measurements, which the template chains on UEFI. */
    private static List<Path> uki;

    @BeforeAll
    static void buildTheImage() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        assumeTrue(SwtpmProcess.installed(), "swtpm (the Pi's TPM) is not installed: scripts/install-deps");
        VmPreconditions.assumeVmBootPossible();
        Path out = Files.createTempDirectory("leoe-image-");
        List<Path> jars = HpcImageBuilder.agentJars(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"),
                REPO.resolve("hpc-agent/target/agent-lib"));
        HpcImageBuilder.Result r = HpcImageBuilder.build(new HpcImageBuilder.Config(InputsLock.read(REPO.resolve("os-image/inputs.lock")),
                BootArtifacts.cacheDir().resolve("image"), jars, REPO.resolve("hpc-agent/jvm.options"),
                Path.of(System.getProperty("java.home")), out, 1_764_547_200L, "leo-hpc-e2e", null));
        image = new BootArtifacts(out, r.vmlinuz(), r.initrd(), r.kernelVersion(), "os-image/inputs.lock");
        ipxeTemplate = r.ipxeTemplate();
        uki = r.uki().map(u -> List.of(u.uki(), u.measurementsFile())).orElseThrow();
    }

    /** The image's template and UKI into the boot root, beside the kernel and initrd BootRoot put there. */
    static void addTemplateAndUki(Path rootDir) throws java.io.IOException {
        Files.copy(ipxeTemplate, rootDir.resolve(org.leo.boot.manifest.IpxeTemplate.FILE));
        for (Path f : uki) {
            Files.copy(f, rootDir.resolve(f.getFileName().toString()));
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void deleteTheImage() throws java.io.IOException {
        if (image != null) {
            PxeBootIT.deleteTree(image.dir());
        }
    }

    /** "challenge N" of a baseline entry's sentence. */
    static String challengeOf(ChainedEntry baseline) {
        java.util.regex.Matcher m = Pattern.compile("challenge (\\d+)").matcher(baseline.entry().message());
        assertThat(m.find()).as(baseline.entry().message()).isTrue();
        return "challenge " + m.group(1) + " ";
    }

    static double since(java.time.Instant t0, java.time.Instant t) {
        return Duration.between(t0, t).toMillis() / 1000.0;
    }

    /** The attestation log's entries of the HPC, oldest first (read while the server runs: WAL). */
    static List<ChainedEntry> entries(LeoPxeServer server) throws Exception {
        try (AttestationLog log = AttestationLog.open(server.dataDir().resolve("attest").resolve("attest.db"))) {
            List<ChainedEntry> l = new ArrayList<>(log.forHpc(MAC.toString(), 10_000));
            l.sort(java.util.Comparator.comparingLong(ChainedEntry::seq));
            return l;
        }
    }

    static ChainedEntry awaitEntry(LeoPxeServer server, long afterSeq, java.util.function.Predicate<LogEntry> p, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ChainedEntry e : entries(server)) {
                if (e.seq() > afterSeq && p.test(e.entry())) {
                    return e;
                }
            }
            Thread.sleep(500);
        }
        fail("no such attestation log entry after #" + afterSeq + " within " + timeout + "; server log:\n" + server.log());
        return null;
    }

    /** One tampering from outside the guest: QEMU monitor commands, and the finding they must cause. */
    record Tamper(String what, String expectedFinding, List<String> monitorCommands) {
    }

    /**
     * BIOS: a PCI NIC is hot-plugged through the QEMU monitor. The next hardware check finds it,
     * the policy (hardware and disk: critical, action: power-cycle) power-cycles the VM through its
     * QMP socket, the VM boots the image again, enrolls with the new boot's nonce and is attested
     * clean. Then the VM's virtio-blk scratch disk is written through the monitor ({@code qemu-io},
     * under the guest kernel): the next disk root differs from the boot's baseline, and the same
     * power cycle and clean attestation follow.
     */
    @Test
    void biosHotPluggedNicAndScratchDiskWriteAreFoundAndTheVmIsPowerCycledAndAttestedCleanAgain(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path scratch = scratchDisk(tmp);
        tamperLoop(Firmware.BIOS, "/dev/vda",
                List.of("-drive", "if=none,id=scratch,format=raw,file=" + scratch, "-device", "virtio-blk-pci,drive=scratch"),
                List.of(new Tamper("PCI NIC hot-plugged", "hardware.pci.added",
                                List.of("device_add e1000,id=tamper0,mac=52:54:00:77:00:99,romfile=")),
                        new Tamper("scratch disk written", "disk.", List.of("qemu-io scratch \"write -P 0x5a 1052672 4096\""))));
    }

    /** UEFI: a USB storage device plugged into the VM's xHCI controller, then a write to its NVMe scratch disk. */
    @Test
    void uefiHotPluggedUsbStorageAndScratchDiskWriteAreFoundAndTheVmIsPowerCycledAndAttestedCleanAgain(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assumeTrue(Files.isRegularFile(Firmware.OVMF_CODE), "OVMF missing (Debian package ovmf)");
        Path stick = tmp.resolve("usb-stick.img");
        Files.write(stick, new byte[1 << 20]);
        Path scratch = scratchDisk(tmp);
        tamperLoop(Firmware.UEFI, "/dev/nvme0n1",
                List.of("-device", "qemu-xhci,id=xhci", "-drive", "if=none,id=scratch,format=raw,file=" + scratch,
                        "-device", "nvme,serial=leoscratch,drive=scratch"),
                List.of(new Tamper("USB storage plugged in", "hardware.usb.added",
                                List.of("drive_add 0 if=none,id=stick,format=raw,file=" + stick,
                                        "device_add usb-storage,bus=xhci.0,drive=stick,id=stick0")),
                        new Tamper("scratch disk written", "disk.", List.of("qemu-io scratch \"write -P 0xa5 7340032 512\""))));
    }

    /**
     * One byte of the real image's initramfs changed in the boot root after the manifest was
     * signed: the server refuses it at serve time (the boot event says why), iPXE reports the
     * failed download, and the VM never reaches /init nor enrolls.
     */
    @Test
    void aTamperedInitramfsOfTheImageIsRefusedAtServeTimeAndNeverBoots() throws Exception {
        Path run = Files.createTempDirectory("leoe-tamper-image-");
        Path policy = Files.writeString(run.resolve("policy.properties"), "tpm.required=false\n"); // a VM without a TPM
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC, "--attest", "--attest-policy", policy.toString())) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), image, topo.pi().address(), 8080, "unused");
            addTemplateAndUki(root.dir());
            server.start(topo.pi(), root, BootMode.TFTP); // signs the manifest over the good image
            Path initrd = root.dir().resolve(BootRoot.INITRD);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(initrd, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                long at = ch.size() / 3;
                ch.read(b, at);
                ch.write(b.put(0, (byte) (b.get(0) ^ 0x20)).rewind(), at);
            }
            java.time.Instant powerOnAt = java.time.Instant.now();
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(Firmware.BIOS).mac(MAC).start()) {
                SerialLine failed = vm.awaitSerial(Pattern.compile("initrd\\.img\\.\\.\\. (Permission denied|Operation not permitted|Error|.*ipxe\\.org)"),
                        TIMEOUT);
                BootEvent refused = PxeBootIT.awaitEvent(server, BootStage.FILE_REFUSED, BootRoot.INITRD);
                System.out.printf("tampered image initramfs (one byte at a third of %s): iPXE said at +%.1f s: %s%nboot event: %s%n",
                        BootRoot.INITRD, failed.at().toMillis() / 1000.0, failed.text().strip(), refused);
                assertThat(refused.detail()).containsIgnoringCase("digest");
                Thread.sleep(5000);
                assertThat(vm.serialLines()).noneMatch(l -> l.text().contains("LEO-IMAGE-INIT"));
                assertThat(server.events()).noneMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(BootRoot.INITRD));
                assertThat(entries(server)).as("nothing enrolled").isEmpty();
                System.out.printf("refused +%.1f s after power-on%n", since(powerOnAt, refused.at()));
            }
            passed = true;
        } finally {
            deleteUnlessFailed(run, passed);
        }
    }

    /** A passed run's directory is deleted; a failed one's is kept for its logs. */
    private static void deleteUnlessFailed(Path run, boolean passed) throws java.io.IOException {
        if (passed) {
            PxeBootIT.deleteTree(run);
        } else {
            System.out.println("logs kept in " + run);
        }
    }

    /** A 16 MiB scratch disk of random bytes (the HPC's local disk; the image never mounts it). */
    private static Path scratchDisk(Path dir) throws Exception {
        byte[] bytes = new byte[16 << 20];
        new java.util.Random(16).nextBytes(bytes);
        return Files.write(dir.resolve("scratch.img"), bytes);
    }

    private void tamperLoop(Firmware firmware, String scratchDevice, List<String> qemuArgs, List<Tamper> tampers) throws Exception {
        Path run = Files.createTempDirectory("leoe-tamper-attest-");
        Path qmp = run.resolve("qmp.sock");
        Path policy = run.resolve("policy.properties");
        Files.writeString(policy, String.join("\n",
                "challenge.mean-seconds=4", "challenge.min-seconds=1", "challenge.max-seconds=12", "challenge.deadline-seconds=60",
                "check.hardware.probability=1", "check.os.probability=0.5", "check.network.probability=0.5",
                "check.disk-root.probability=0.6", "check.disk-spot.probability=0.6",
                "disk.scratch.path=" + scratchDevice, "disk.scratch.chunk-size=65536", "disk.scratch.spot-chunks=4",
                // the booted image's own churn (kernel threads, sockets) is recorded, not acted on
                "severity.os=warning", "severity.network=warning", "severity.hardware=critical", "severity.disk=critical",
                "action.critical=record,alert,power-cycle", "action.cooldown-seconds=60",
                // enrollment by the boot nonce: these VMs have no TPM of their own (MeasuredBootIT boots one that has)
                "tpm.required=false", ""));
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             SwtpmProcess piTpm = SwtpmProcess.startWith(topo.pi().command());
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC, "--attest", "--attest-policy", policy.toString(),
                     "--power", MAC + "=qemu:" + qmp, "--tpm", piTpm.endpoint().toString())) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), image, topo.pi().address(), 8080, "unused");
            addTemplateAndUki(root.dir());
            server.start(topo.pi(), root, BootMode.TFTP);
            java.time.Instant powerOnAt = java.time.Instant.now();
            List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off"));
            args.addAll(qemuArgs);
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(firmware).mac(MAC).memoryMiB(768)
                    .noReboot(false).extraArgs(args.toArray(String[]::new)).start()) {
                SerialLine init;
                SerialLine enrolled;
                try {
                    // iPXE runs the script rendered from the image's own template (SeaBIOS's 80 columns
                    // wrap the nonce onto the next line)
                    vm.awaitSerial(Pattern.compile("Leo: booting .* with image leo-hpc-e2e \\(amd64\\), boot nonce [0-9a-f]+"), TIMEOUT);
                    init = vm.awaitSerial(Pattern.compile("LEO-IMAGE-INIT"), TIMEOUT);
                    vm.awaitSerial(Pattern.compile("SHA-256 by libcrypto"), TIMEOUT);
                    enrolled = vm.awaitSerial(Pattern.compile("enrolled as 52:54:00:77:00:10"), TIMEOUT);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("no enrollment within " + TIMEOUT + "; serial tail:\n" + vm.tail() + "\nserver log:\n" + server.log());
                    return;
                }
                ChainedEntry baseline = awaitEntry(server, 0, e -> e.kind() == LogEntry.Kind.VERDICT, TIMEOUT);
                List<BootEvent> events = server.events();
                System.out.println("HPC image, " + firmware + " over TFTP under TCG (seconds after power-on):");
                events.stream().filter(e -> e.stage() == BootStage.DHCP_ACK).findFirst()
                        .ifPresent(e -> System.out.printf("  DHCPACK: +%.1f s%n", since(powerOnAt, e.at())));
                events.stream().filter(e -> e.stage() == BootStage.FILE_SERVED
                                && (e.file().equals(BootRoot.KERNEL) || e.file().equals(org.leo.boot.manifest.IpxeTemplate.UKI))).findFirst()
                        .ifPresent(e -> System.out.printf("  %s fetched: +%.1f s (%s)%n", e.file(), since(powerOnAt, e.at()), e.detail()));
                System.out.printf("  /init reached: +%.1f s%n  agent enrolled: +%.1f s%n  first verdict: +%.1f s: %s%n",
                        init.at().toMillis() / 1000.0, enrolled.at().toMillis() / 1000.0, since(powerOnAt, baseline.entry().at()),
                        baseline.entry().message());
                // UEFI chains the UKI (measured) and fetches neither kernel nor initrd; BIOS loads the two
                String fetched = firmware == Firmware.UEFI ? org.leo.boot.manifest.IpxeTemplate.UKI : BootRoot.INITRD;
                assertThat(events).anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(fetched));
                if (firmware == Firmware.UEFI) {
                    assertThat(vm.serialLines()).as("iPXE passes the UKI's name first")
                            .anyMatch(l -> l.text().contains("LEO-BOOT cmdline=[leo-hpc.efi console=tty0 "));
                }
                assertThat(vm.serialLines()).as("every driver loads").noneMatch(l -> l.text().contains("leo-init: driver"));
                ChainedEntry clean = awaitCleanVerdictAfter(server, baseline);
                System.out.println("before tampering: " + clean.entry().message());
                for (Tamper tamper : tampers) {
                    clean = tamperAndRecover(server, vm, firmware, powerOnAt, tamper);
                }
            }
            quoteTheLogWithThePisTpm(topo, piTpm, server);
            passed = true;
        } finally {
            deleteUnlessFailed(run, passed);
        }
    }

    /**
     * The Pi's TPM (a swtpm in the Pi's namespace) was the server's: it logged the attestation key
     * it quotes the log head with. Once the server has stopped (swtpm takes one client), {@code leo
     * attest log quote} has that TPM sign the head of the loop's log (every verdict, finding and
     * power cycle above) and checks the quote; the key is the one the server named.
     */
    private static void quoteTheLogWithThePisTpm(NetNsTopology topo, SwtpmProcess piTpm, LeoPxeServer server) throws Exception {
        java.util.regex.Matcher ak = Pattern.compile("the Pi's TPM \\S+ signs the event log head \\(PCR 23\\); attestation key (\\S+)")
                .matcher(server.log());
        assertThat(ak.find()).as("the server opened the Pi's TPM; its log:%n%s", server.log()).isTrue();
        server.stop();
        String quoted = topo.pi().exec("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString(), "attest", "log", "quote",
                "--data-dir", server.dataDir().toString(), "--tpm", piTpm.endpoint().toString());
        System.out.println("leo attest log quote:\n" + quoted.strip());
        assertThat(quoted).contains("chain intact").contains("quote: verifies (signature, nonce, PCR 23)")
                .contains("attestation key " + ak.group(1));
    }

    /**
     * A verdict on a later challenge than {@code baseline}'s own (which is also appraised, against
     * itself) that is not critical, with no critical finding since the baseline.
     */
    static ChainedEntry awaitCleanVerdictAfter(LeoPxeServer server, ChainedEntry baseline) throws Exception {
        String baseChallenge = challengeOf(baseline);
        ChainedEntry clean = awaitEntry(server, baseline.seq(), e -> e.kind() == LogEntry.Kind.VERDICT
                && !"baseline.taken".equals(e.eventId()) && !e.message().contains(baseChallenge), TIMEOUT);
        assertThat(clean.entry().severity()).as(clean.entry().message()).isNotEqualTo("critical");
        List<ChainedEntry> since = entries(server).stream().filter(e -> e.seq() > baseline.seq() && e.seq() <= clean.seq()).toList();
        assertThat(since).as("attested clean since the baseline").noneMatch(e -> e.entry().kind() == LogEntry.Kind.FINDING
                && "critical".equals(e.entry().severity()));
        return clean;
    }

    /**
     * Tampers through the monitor, waits for the finding and the power cycle, then for the new
     * boot's enrollment, baseline and a clean verdict; prints the timeline. The clean verdict.
     */
    private static ChainedEntry tamperAndRecover(LeoPxeServer server, QemuVm vm, Firmware firmware, java.time.Instant powerOnAt,
            Tamper tamper) throws Exception {
        long last = entries(server).stream().mapToLong(ChainedEntry::seq).max().orElse(0);
        java.time.Instant tamperedAt = java.time.Instant.now();
        for (String command : tamper.monitorCommands()) {
            String reply = vm.monitor(command);
            System.out.println("monitor: " + command + (reply.isBlank() ? "" : " -> " + reply.strip()));
        }
        ChainedEntry finding = awaitEntry(server, last, e -> e.kind() == LogEntry.Kind.FINDING
                && e.eventId().startsWith(tamper.expectedFinding()) && "critical".equals(e.severity()), TIMEOUT);
        ChainedEntry cycled = awaitEntry(server, finding.seq(), e -> e.kind() == LogEntry.Kind.ACTION
                && e.eventId().equals("action.power-cycle"), TIMEOUT);
        System.out.println("finding: " + finding.entry().message());
        System.out.println("action: " + cycled.entry().message());
        int mark = vm.serialLines().size();
        SerialLine again = vm.awaitSerialAfter(mark, Pattern.compile("LEO-IMAGE-INIT"), TIMEOUT);
        SerialLine reenrolled = vm.awaitSerialAfter(again.index(), Pattern.compile("enrolled as 52:54:00:77:00:10"), TIMEOUT);
        ChainedEntry rebaseline = awaitEntry(server, cycled.seq(), e -> e.kind() == LogEntry.Kind.VERDICT, TIMEOUT);
        ChainedEntry after = awaitCleanVerdictAfter(server, rebaseline);
        System.out.printf("tampering timeline (" + firmware + ", TFTP, TCG): " + tamper.what() + " (" + finding.entry().eventId()
                        + ") at +%.1f s after power-on; found +%.1f s later; power-cycled +%.1f s after the tampering; /init again at"
                        + " +%.1f s (serial); re-enrolled at +%.1f s; clean verdict %.1f s after the tampering: %s%n",
                since(powerOnAt, tamperedAt), since(tamperedAt, finding.entry().at()), since(tamperedAt, cycled.entry().at()),
                again.at().toMillis() / 1000.0, reenrolled.at().toMillis() / 1000.0, since(tamperedAt, after.entry().at()),
                after.entry().message());
        return after;
    }

}
