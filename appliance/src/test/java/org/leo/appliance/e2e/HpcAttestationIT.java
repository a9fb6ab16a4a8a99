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
import org.leo.pxe.boot.BootEvent;
import org.leo.pxe.boot.BootStage;
import org.leo.pxe.net.MacAddress;
import org.leo.pxe.vm.BootArtifacts;
import org.leo.pxe.vm.BootMode;
import org.leo.pxe.vm.BootRoot;
import org.leo.pxe.vm.Firmware;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;
import org.leo.pxe.vm.VmPreconditions;

/**
 * The whole loop, first part: a disk-less QEMU VM (TCG) PXE-boots the real HPC image (built here
 * by {@link HpcImageBuilder} from the pinned inputs) from the packaged {@code leo pxe serve
 * --attest}; the image's agent enrolls with its boot nonce and is attested. Prints the timeline
 * power-on -> DHCP -> kernel fetched -> /init -> agent enrolled -> first verdict.
 */
@Tag("system")
class HpcAttestationIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(300);
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static BootArtifacts image;

    @BeforeAll
    static void buildTheImage() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        VmPreconditions.assumeVmBootPossible();
        Path out = Files.createTempDirectory("leoe-image-");
        List<Path> jars = HpcImageBuilder.agentJars(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"),
                REPO.resolve("hpc-agent/target/agent-lib"));
        HpcImageBuilder.Result r = HpcImageBuilder.build(new HpcImageBuilder.Config(InputsLock.read(REPO.resolve("os-image/inputs.lock")),
                BootArtifacts.cacheDir().resolve("image"), jars, REPO.resolve("hpc-agent/jvm.options"),
                Path.of(System.getProperty("java.home")), out, 1_764_547_200L, "leo-hpc-e2e", null));
        image = new BootArtifacts(out, r.vmlinuz(), r.initrd(), r.kernelVersion(), "os-image/inputs.lock");
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

    /**
     * BIOS: a PCI NIC is hot-plugged through the QEMU monitor. The next hardware check finds it,
     * the policy (hardware: critical, action: power-cycle) power-cycles the VM through its QMP
     * socket, the VM boots the image again, enrolls with the new boot's nonce and is attested clean.
     */
    @Test
    void biosHotPluggedNicIsFoundAndTheVmIsPowerCycledAndAttestedCleanAgain() throws Exception {
        tamperLoop(Firmware.BIOS, "hardware.pci.added", List.of(), List.of("device_add e1000,id=tamper0,mac=52:54:00:77:00:99,romfile="));
    }

    /** UEFI: the same loop with a USB storage device plugged into the VM's xHCI controller. */
    @Test
    void uefiHotPluggedUsbStorageIsFoundAndTheVmIsPowerCycledAndAttestedCleanAgain(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        assumeTrue(Files.isRegularFile(Firmware.OVMF_CODE), "OVMF missing (Debian package ovmf)");
        Path stick = tmp.resolve("usb-stick.img");
        Files.write(stick, new byte[1 << 20]);
        tamperLoop(Firmware.UEFI, "hardware.usb.added", List.of("-device", "qemu-xhci,id=xhci"),
                List.of("drive_add 0 if=none,id=stick,format=raw,file=" + stick, "device_add usb-storage,bus=xhci.0,drive=stick,id=stick0"));
    }

    private void tamperLoop(Firmware firmware, String expectedFinding, List<String> qemuArgs, List<String> tamper) throws Exception {
        Path run = Files.createTempDirectory("leoe-tamper-attest-");
        Path qmp = run.resolve("qmp.sock");
        Path policy = run.resolve("policy.properties");
        Files.writeString(policy, String.join("\n",
                "challenge.mean-seconds=4", "challenge.min-seconds=1", "challenge.max-seconds=12", "challenge.deadline-seconds=60",
                "check.hardware.probability=1", "check.os.probability=0.5", "check.network.probability=0.5",
                // the booted image's own churn (kernel threads, sockets) is recorded, not acted on
                "severity.os=warning", "severity.network=warning", "severity.hardware=critical",
                "action.critical=record,alert,power-cycle", "action.cooldown-seconds=60", ""));
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC, "--attest", "--attest-policy", policy.toString(),
                     "--power", "qemu:" + qmp)) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), image, topo.pi().address(), 8080, "unused");
            server.start(topo.pi(), root, BootMode.TFTP);
            java.time.Instant powerOnAt = java.time.Instant.now();
            List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off"));
            args.addAll(qemuArgs);
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(firmware).mac(MAC).memoryMiB(768)
                    .noReboot(false).extraArgs(args.toArray(String[]::new)).start()) {
                SerialLine init;
                SerialLine enrolled;
                try {
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
                events.stream().filter(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(BootRoot.KERNEL)).findFirst()
                        .ifPresent(e -> System.out.printf("  kernel fetched: +%.1f s (%s)%n", since(powerOnAt, e.at()), e.detail()));
                System.out.printf("  /init reached: +%.1f s%n  agent enrolled: +%.1f s%n  first verdict: +%.1f s: %s%n",
                        init.at().toMillis() / 1000.0, enrolled.at().toMillis() / 1000.0, since(powerOnAt, baseline.entry().at()),
                        baseline.entry().message());
                assertThat(events).anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(BootRoot.INITRD));
                // a later challenge than the baseline's own (which is also appraised, against itself)
                String baseChallenge = challengeOf(baseline);
                ChainedEntry clean = awaitEntry(server, baseline.seq(), e -> e.kind() == LogEntry.Kind.VERDICT
                        && !"baseline.taken".equals(e.eventId()) && !e.message().contains(baseChallenge), TIMEOUT);
                System.out.println("before tampering: " + clean.entry().message());
                assertThat(clean.entry().severity()).as(clean.entry().message()).isNotEqualTo("critical");
                List<ChainedEntry> before = entries(server);
                assertThat(before).as("no critical finding before tampering").noneMatch(e -> e.entry().kind() == LogEntry.Kind.FINDING
                        && "critical".equals(e.entry().severity()));

                java.time.Instant tamperedAt = java.time.Instant.now();
                for (String command : tamper) {
                    String reply = vm.monitor(command);
                    System.out.println("monitor: " + command + (reply.isBlank() ? "" : " -> " + reply.strip()));
                }
                long last = before.get(before.size() - 1).seq();
                ChainedEntry finding = awaitEntry(server, last, e -> e.kind() == LogEntry.Kind.FINDING
                        && e.eventId().startsWith(expectedFinding), TIMEOUT);
                ChainedEntry cycled = awaitEntry(server, finding.seq(), e -> e.kind() == LogEntry.Kind.ACTION
                        && e.eventId().equals("action.power-cycle"), TIMEOUT);
                System.out.println("finding: " + finding.entry().message());
                System.out.println("action: " + cycled.entry().message());
                int mark = vm.serialLines().size();
                SerialLine again = vm.awaitSerialAfter(mark, Pattern.compile("LEO-IMAGE-INIT"), TIMEOUT);
                SerialLine reenrolled = vm.awaitSerialAfter(again.index(), Pattern.compile("enrolled as 52:54:00:77:00:10"), TIMEOUT);
                ChainedEntry rebaseline = awaitEntry(server, cycled.seq(), e -> e.kind() == LogEntry.Kind.VERDICT, TIMEOUT);
                String rebaseChallenge = challengeOf(rebaseline);
                ChainedEntry after = awaitEntry(server, rebaseline.seq(), e -> e.kind() == LogEntry.Kind.VERDICT
                        && !"baseline.taken".equals(e.eventId()) && !e.message().contains(rebaseChallenge), TIMEOUT);
                assertThat(after.entry().severity()).as(after.entry().message()).isNotEqualTo("critical");
                List<ChainedEntry> since = entries(server).stream().filter(e -> e.seq() > rebaseline.seq() && e.seq() <= after.seq()).toList();
                assertThat(since).as("attested clean after the power cycle").noneMatch(e -> e.entry().kind() == LogEntry.Kind.FINDING
                        && "critical".equals(e.entry().severity()));
                System.out.printf("tampering timeline (" + firmware + ", TFTP, TCG): " + expectedFinding + ": device added at +%.1f s after power-on; found +%.1f s later; "
                                + "power-cycled +%.1f s after the hot-plug; /init again at +%.1f s (serial); re-enrolled at +%.1f s;"
                                + " clean hardware verdict %.1f s after the hot-plug: %s%n",
                        since(powerOnAt, tamperedAt), since(tamperedAt, finding.entry().at()), since(tamperedAt, cycled.entry().at()),
                        again.at().toMillis() / 1000.0, reenrolled.at().toMillis() / 1000.0, since(tamperedAt, after.entry().at()),
                        after.entry().message());
            }
            passed = true;
        } finally {
            if (!passed) {
                System.out.println("logs kept in " + run);
            }
        }
    }
}
