package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.image.DebCache;
import org.leo.image.HpcImageBuilder;
import org.leo.image.HpcUki;
import org.leo.image.InputsLock;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.BootArtifacts;
import org.leo.pxe.vm.BootMode;
import org.leo.pxe.vm.BootRoot;
import org.leo.pxe.vm.Firmware;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;
import org.leo.pxe.vm.VmPreconditions;
import org.leo.protocol.tpm.EkType;
import org.leo.protocol.tpm.LocalCa;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;

/**
 * Measured enrollment with a real firmware: a QEMU VM (TCG) under OVMF whose own TPM is a swtpm
 * that a private "manufacturer" CA ({@link LocalCa}) gave EK certificates. Its EK is pinned for
 * the VM's MAC before the first boot ({@code leo attest hpc enroll --ek-cert}), and {@code leo pxe
 * serve --attest} runs with {@code tpm.required=true} and that CA as {@code --attest-ek-roots}.
 * The tests share one build of the real HPC image (the one {@link HpcAttestationIT} boots) and the
 * same manufactured TPM state.
 *
 * <ol>
 * <li>The honest boot: iPXE chains {@code leo-hpc.efi}, OVMF measures it into PCR 4, systemd-stub
 * its sections into PCR 11 and iPXE's arguments into PCR 12, the kernel its initrd into PCR 9; the
 * agent's quote and event log satisfy the server, which logs "enrolled: measured boot of UKI ..",
 * and the VM is attested clean.
 * <li>The attack of the issue: the HPC's owner boots a UKI of their own from a disk they control
 * (same stub, same kernel, the image's initrd with {@code /init} replaced). That {@code /init}
 * takes the HPC's lease, fetches the per-boot script (a fresh nonce) and the real
 * {@code leo-hpc.efi} as iPXE would, and starts the real agent with the command line the real UKI
 * would have had. The server refuses it: the event log shows another EFI application ran (PCR 4),
 * other UKI sections (PCR 11), another initrd (PCR 9) and no iPXE command line (PCR 12).
 * <li>Why the TPM is required: the same rogue boot in a VM without a TPM, served with
 * {@code tpm.required=false} (and no TPM pinned), enrolls and is attested clean. An unmeasured
 * enrollment checks the boot nonce and that the served files were fetched, and the rogue
 * {@code /init} fetched them as iPXE would.
 * </ol>
 *
 * Runs like HpcAttestationIT: {@code ./mvnw -B -ntp -pl appliance -am verify -Dit.test=MeasuredBootIT
 * -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}. Each TCG boot of the 48 MB UKI takes 1-2
 * minutes on a loaded machine.
 */
@Tag("system")
class MeasuredBootIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    /** The MAC {@link HpcAttestationIT#entries} reads the attestation log for. */
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    private static final String NETNS_BASE = "lmb";
    private static final int HTTP_PORT = 8080;
    private static final int VM_MEMORY_MIB = 1024;

    private static Path work;
    private static BootArtifacts image;
    private static Path ipxeTemplate;
    private static HpcUki.Built uki;
    /** The unpacked systemd-boot-efi the image's UKI was built on. */
    private static Path stubRoot;
    private static SwtpmProcess manufactured;
    private static LocalCa ca;
    private static Path ekCert;
    private static Path ekRoots;

    @BeforeAll
    static void buildTheImageAndManufactureTheTpm() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        assumeTrue(LocalCa.installed(), "swtpm, swtpm_setup and swtpm_localca are not installed: scripts/install-deps");
        assumeTrue(Files.isRegularFile(Firmware.OVMF_CODE), "OVMF missing (Debian package ovmf)");
        VmPreconditions.assumeVmBootPossible();
        work = Files.createTempDirectory("lmb-measured-");
        Path out = Files.createDirectories(work.resolve("image"));
        InputsLock lock = InputsLock.read(HpcAttestationIT.REPO.resolve("os-image/inputs.lock"));
        Path cache = BootArtifacts.cacheDir().resolve("image");
        List<Path> jars = HpcImageBuilder.agentJars(HpcAttestationIT.REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"),
                HpcAttestationIT.REPO.resolve("hpc-agent/target/agent-lib"));
        HpcImageBuilder.Result r = HpcImageBuilder.build(new HpcImageBuilder.Config(lock, cache, jars,
                HpcAttestationIT.REPO.resolve("hpc-agent/jvm.options"), Path.of(System.getProperty("java.home")), out, 1_764_547_200L,
                "leo-hpc-e2e", null));
        image = new BootArtifacts(out, r.vmlinuz(), r.initrd(), r.kernelVersion(), "os-image/inputs.lock");
        ipxeTemplate = r.ipxeTemplate();
        uki = r.uki().orElseThrow();
        stubRoot = new DebCache(cache).unpacked(lock.deb(HpcUki.STUB_PACKAGE).orElseThrow());

        // The HPC's TPM, "from the factory": its EK certificate is read once, as an operator would
        // before installing the machine, and the CA's certificates are the roots the Pi trusts.
        ca = LocalCa.create(Files.createDirectories(work.resolve("ca")));
        manufactured = SwtpmProcess.startManufactured(ca::manufacture);
        try (Tpm tpm = Tpm.open(manufactured.endpoint())) {
            ekCert = Files.write(work.resolve("ek-rsa2048.der"), tpm.ekCertificate(EkType.RSA_2048));
        }
        manufactured.stop(); // the state stays for the VM's own swtpm
        ekRoots = Files.createDirectories(work.resolve("ek-roots"));
        Files.copy(ca.rootCertificate(), ekRoots.resolve("swtpm-localca-root.pem"));
        Files.copy(ca.intermediateCertificate(), ekRoots.resolve("swtpm-localca-intermediate.pem"));
    }

    @AfterAll
    static void deleteTheImageAndTheTpm() throws IOException {
        if (manufactured != null) {
            manufactured.close();
        }
        if (work != null) {
            PxeBootIT.deleteTree(work);
        }
    }

    /**
     * The honest UEFI boot with the pinned TPM: enrolled by its measured boot, then attested clean.
     * Prints the timeline and PCR 11 as the guest read it against {@code leo-hpc.efi.measurements}.
     */
    @Test
    void theMeasuredImageEnrollsWithThePinnedTpmUnderOvmf() throws Exception {
        Path run = Files.createTempDirectory("lmb-honest-");
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NETNS_BASE);
             LeoPxeServer server = measuredServer(run, true)) {
            BootRoot root = bootRoot(run, topo);
            server.start(topo.pi(), root, BootMode.TFTP);
            Instant powerOnAt = Instant.now();
            try (VmTpm tpm = VmTpm.start(manufactured.stateDir(), run.resolve("vmtpm"));
                 QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(Firmware.UEFI).mac(MAC)
                         .memoryMiB(VM_MEMORY_MIB).extraArgs(tpm.qemuArgs().toArray(String[]::new)).start()) {
                SerialLine init;
                SerialLine boot;
                ChainedEntry enrolled;
                try {
                    vm.awaitSerial(Pattern.compile("Leo: booting .* with image leo-hpc-e2e \\(amd64\\), boot nonce [0-9a-f]+"), TIMEOUT);
                    init = vm.awaitSerial(Pattern.compile("LEO-IMAGE-INIT"), TIMEOUT);
                    boot = vm.awaitSerial(Pattern.compile("LEO-BOOT cmdline="), TIMEOUT);
                    enrolled = HpcAttestationIT.awaitEntry(server, 0, e -> e.kind() == LogEntry.Kind.ENROLLMENT, TIMEOUT);
                } catch (TimeoutException e) {
                    fail("no measured enrollment within " + TIMEOUT + ": " + e.getMessage() + "\nserver log:\n" + server.log());
                    return;
                }
                String ukiPrefix = HexFormat.of().formatHex(uki.measurements().authenticode()).substring(0, 16);
                assertThat(enrolled.entry().message()).as("the first enrollment entry; server log:%n%s", server.log())
                        .contains("enrolled: measured boot of UKI " + ukiPrefix + "..");
                ChainedEntry baseline = HpcAttestationIT.awaitEntry(server, enrolled.seq(), e -> e.kind() == LogEntry.Kind.VERDICT, TIMEOUT);
                ChainedEntry clean = HpcAttestationIT.awaitCleanVerdictAfter(server, baseline);
                List<BootEvent> events = server.events();
                assertThat(events).as("iPXE chained the UKI").anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(IpxeTemplate.UKI));
                assertThat(boot.text()).contains("LEO-BOOT cmdline=[leo-hpc.efi console=tty0 ");

                String expectedPcr11 = HexFormat.of().formatHex(uki.measurements().pcr11());
                Matcher pcr11 = Pattern.compile("pcr11=([0-9A-Fa-f]{64})").matcher(boot.text());
                assertThat(pcr11.find()).as("the guest read PCR 11: %s", boot.text()).isTrue();
                Matcher eventLog = Pattern.compile("tpm-eventlog=(\\d+)").matcher(boot.text());
                System.out.println("measured UEFI boot of the HPC image with the pinned TPM (OVMF, iPXE, TFTP, TCG), seconds after power-on:");
                events.stream().filter(e -> e.stage() == BootStage.DHCP_ACK).findFirst()
                        .ifPresent(e -> System.out.printf("  DHCPACK: +%.1f s%n", HpcAttestationIT.since(powerOnAt, e.at())));
                events.stream().filter(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(IpxeTemplate.UKI)).findFirst()
                        .ifPresent(e -> System.out.printf("  %s fetched: +%.1f s (%s)%n", e.file(), HpcAttestationIT.since(powerOnAt, e.at()),
                                e.detail()));
                System.out.printf("  /init reached: +%.1f s (serial)%n  enrolled: +%.1f s: %s%n  first verdict: +%.1f s: %s%n"
                                + "  clean verdict: +%.1f s: %s%n",
                        init.at().toMillis() / 1000.0, HpcAttestationIT.since(powerOnAt, enrolled.entry().at()), enrolled.entry().message(),
                        HpcAttestationIT.since(powerOnAt, baseline.entry().at()), baseline.entry().message(),
                        HpcAttestationIT.since(powerOnAt, clean.entry().at()), clean.entry().message());
                System.out.printf("  guest: %s%n  PCR 11 read by the guest:           %s%n  leo-hpc.efi.measurements pcr11 value: %s%n"
                                + "  firmware event log: %s bytes%n",
                        boot.text().strip(), pcr11.group(1).toLowerCase(java.util.Locale.ROOT), expectedPcr11,
                        eventLog.find() ? eventLog.group(1) : "?");
                assertThat(pcr11.group(1).toLowerCase(java.util.Locale.ROOT)).as("PCR 11 as the guest read it").isEqualTo(expectedPcr11);
                assertThat(HpcAttestationIT.entries(server)).as("no enrollment refused")
                        .noneMatch(e -> "enroll.refused".equals(e.entry().eventId()));
            }
            passed = true;
        } finally {
            deleteUnlessFailed(run, passed);
        }
    }

    /**
     * The attack: a rogue UKI booted from the owner's disk fetches the script and the real UKI and
     * runs the real agent with this boot's nonce; its measured enrollment is refused (PCR 4 first),
     * every refusal is in the attestation log, and the VM is never attested.
     */
    @Test
    void aRogueInitramfsThatFetchedTheImageIsRefused() throws Exception {
        rogueBoot(true, (server, vm, powerOnAt) -> {
            ChainedEntry refused = HpcAttestationIT.awaitEntry(server, 0, e -> "enroll.refused".equals(e.eventId()), TIMEOUT);
            Optional<SerialLine> exit = awaitOptional(vm, Pattern.compile("LEO-AGENT-EXIT"), Duration.ofSeconds(120));
            System.out.printf("  refused: +%.1f s: %s%n  agent: %s%n", HpcAttestationIT.since(powerOnAt, refused.entry().at()),
                    refused.entry().message(), exit.map(l -> l.text().strip()).orElse("(still running)"));
            assertThat(refused.entry().message()).contains("enrollment refused (PERMISSION_DENIED): measured boot: PCR 4")
                    .contains("PCR 11").contains("PCR 9").contains("PCR 12");
            assertThat(server.log()).contains("measured boot: PCR 4");
            List<ChainedEntry> entries = HpcAttestationIT.entries(server);
            assertThat(entries).as("never enrolled, never attested: every entry is a measured-boot refusal")
                    .allMatch(e -> "enroll.refused".equals(e.entry().eventId()) && e.entry().message().contains("measured boot: PCR 4"));
            assertThat(exit).as("the agent gave up").isPresent();
        });
    }

    /**
     * The same rogue boot with {@code tpm.required=false} and no TPM in the VM enrolls and is
     * attested clean: the boot nonce and the served files, which anyone who can fetch them has, are
     * all an unmeasured enrollment checks, and the rogue {@code /init} shows the agent (which reads
     * {@code /proc/cmdline} for its OS evidence) the expected command line through a bind mount.
     * That is why the policy's default requires the TPM. (Without the bind mount the baseline is
     * refused, {@code baseline.invalid}: "the kernel command line does not carry this boot's
     * nonce"; a check an attacker with root in the boot steps around.)
     */
    @Test
    void withoutATpmTheSameRogueBootEnrolls() throws Exception {
        rogueBoot(false, (server, vm, powerOnAt) -> {
            ChainedEntry enrolled = HpcAttestationIT.awaitEntry(server, 0, e -> e.kind() == LogEntry.Kind.ENROLLMENT, TIMEOUT);
            ChainedEntry verdict = HpcAttestationIT.awaitEntry(server, enrolled.seq(), e -> e.kind() == LogEntry.Kind.VERDICT, TIMEOUT);
            assertThat(enrolled.entry().message()).contains(" enrolled: boot nonce ");
            assertThat(verdict.entry().message()).as("the rogue boot's baseline").contains("golden baseline taken");
            ChainedEntry clean = HpcAttestationIT.awaitCleanVerdictAfter(server, verdict);
            System.out.printf("  enrolled: +%.1f s: %s%n  first verdict: +%.1f s: %s%n  clean verdict: +%.1f s: %s%n",
                    HpcAttestationIT.since(powerOnAt, enrolled.entry().at()), enrolled.entry().message(),
                    HpcAttestationIT.since(powerOnAt, verdict.entry().at()), verdict.entry().message(),
                    HpcAttestationIT.since(powerOnAt, clean.entry().at()), clean.entry().message());
        });
    }

    /** What a test checks once the rogue /init has started the agent. */
    private interface RogueOutcome {
        void check(LeoPxeServer server, QemuVm vm, Instant powerOnAt) throws Exception;
    }

    /**
     * Boots the rogue UKI from the owner's disk (before the NIC in the boot order) with the pinned
     * TPM and {@code tpm.required=true}, or with no TPM and {@code tpm.required=false}; prints the
     * timeline and the attestation log as {@code leo attest log show} prints it.
     */
    private void rogueBoot(boolean withTpm, RogueOutcome outcome) throws Exception {
        Path run = Files.createTempDirectory(withTpm ? "lmb-rogue-" : "lmb-rogue-notpm-");
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NETNS_BASE);
             LeoPxeServer server = measuredServer(run, withTpm)) {
            Path esp = RogueUki.esp(run.resolve("rogue"), image, uki, stubRoot, topo.pi().address() + ":" + HTTP_PORT);
            BootRoot root = bootRoot(run, topo);
            server.start(topo.pi(), root, BootMode.TFTP);
            Instant powerOnAt = Instant.now();
            List<String> args = new ArrayList<>();
            // the owner's disk, first in the boot order: OVMF's removable-media path \EFI\BOOT\BOOTX64.EFI
            args.addAll(List.of("-drive", "if=none,id=rogue,format=raw,file=fat:rw:" + esp, "-device", "virtio-blk-pci,drive=rogue,bootindex=1"));
            try (VmTpm tpm = withTpm ? VmTpm.start(manufactured.stateDir(), run.resolve("vmtpm")) : null) {
                if (tpm != null) {
                    args.addAll(tpm.qemuArgs());
                }
                try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(Firmware.UEFI).mac(MAC)
                        .bootIndex(2).memoryMiB(VM_MEMORY_MIB).extraArgs(args.toArray(String[]::new)).start()) {
                    SerialLine init;
                    SerialLine agent;
                    try {
                        init = vm.awaitSerial(Pattern.compile("ROGUE-INIT"), TIMEOUT);
                        agent = vm.awaitSerial(Pattern.compile("ROGUE-AGENT cmdline="), TIMEOUT);
                    } catch (TimeoutException e) {
                        fail("the rogue boot did not start the agent within " + TIMEOUT + ": " + e.getMessage() + "\nserver log:\n"
                                + server.log());
                        return;
                    }
                    System.out.println("rogue UKI from the owner's disk (OVMF, TCG, " + (withTpm ? "the pinned TPM, tpm.required=true"
                            : "no TPM, tpm.required=false") + "), seconds after power-on:");
                    System.out.printf("  rogue /init: +%.1f s: %s%n", init.at().toMillis() / 1000.0, init.text().strip());
                    server.events().stream().filter(e -> e.stage() == BootStage.DHCP_ACK).findFirst()
                            .ifPresent(e -> System.out.printf("  DHCPACK (its udhcpc): +%.1f s%n", HpcAttestationIT.since(powerOnAt, e.at())));
                    vm.serialLines().stream().filter(l -> l.text().contains("ROGUE-SCRIPT") || l.text().contains("ROGUE-FETCHED"))
                            .forEach(l -> System.out.printf("  +%.1f s: %s%n", l.at().toMillis() / 1000.0, l.text().strip()));
                    System.out.printf("  agent started: +%.1f s: %s%n", agent.at().toMillis() / 1000.0, agent.text().strip());
                    assertThat(vm.serialLines()).as("OVMF booted the owner's disk: iPXE ran no script")
                            .noneMatch(l -> l.text().contains("Leo: booting"));
                    assertThat(server.events()).as("the rogue /init fetched the script and the real UKI")
                            .anyMatch(e -> e.stage() == BootStage.SCRIPT_SERVED)
                            .anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(IpxeTemplate.UKI));
                    outcome.check(server, vm, powerOnAt);
                    System.out.println("leo attest log show --mac " + MAC + ":\n" + topo.pi().exec("java", "-jar",
                            LeoPxeServer.JAR.toAbsolutePath().toString(), "attest", "log", "show", "--mac", MAC.toString(), "--data-dir",
                            server.dataDir().toString()).strip());
                }
            }
            passed = true;
        } finally {
            deleteUnlessFailed(run, passed);
        }
    }

    private static Optional<SerialLine> awaitOptional(QemuVm vm, Pattern p, Duration timeout) throws InterruptedException {
        try {
            return Optional.of(vm.awaitSerial(p, timeout));
        } catch (TimeoutException e) {
            return Optional.empty();
        }
    }

    /**
     * The server with {@code tpm.required}, the CA's roots, and (when the TPM is required) the VM's
     * EK pinned before the first boot with the packaged {@code leo attest hpc enroll --ek-cert} over
     * the server's data directory.
     */
    private static LeoPxeServer measuredServer(Path run, boolean tpmRequired) throws Exception {
        Path policy = Files.writeString(run.resolve("policy.properties"), String.join("\n",
                "challenge.mean-seconds=4", "challenge.min-seconds=1", "challenge.max-seconds=12", "challenge.deadline-seconds=60",
                "check.hardware.probability=1", "check.os.probability=0.5", "check.network.probability=0.5",
                // no scratch disk, no memory regions: the VM is disk-less
                "check.disk-root.probability=0", "check.disk-spot.probability=0", "check.memory.probability=0",
                // the booted image's own churn (kernel threads, sockets) is recorded, not acted on
                "severity.os=warning", "severity.network=warning", "severity.hardware=critical",
                "tpm.required=" + tpmRequired, ""));
        LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC, "--attest", "--attest-policy", policy.toString(),
                "--attest-ek-roots", ekRoots.toString());
        if (!tpmRequired) {
            return server;
        }
        Process p = new ProcessBuilder(List.of("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString(), "attest", "hpc", "enroll",
                "--mac", MAC.toString(), "--ek-cert", ekCert.toString(), "--data-dir", server.dataDir().toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("leo attest hpc enroll finished").isTrue();
        assertThat(p.exitValue()).as("leo attest hpc enroll: %s", out).isZero();
        System.out.println("leo attest hpc enroll --ek-cert: " + out.strip());
        return server;
    }

    /** The boot root: the image's kernel, initrd, template, UKI and its measurements (signed by the server's start). */
    private static BootRoot bootRoot(Path run, NetNsTopology topo) throws IOException {
        BootRoot root = BootRoot.prepare(run.resolve("root"), image, topo.pi().address(), HTTP_PORT, "unused");
        Files.copy(ipxeTemplate, root.dir().resolve(IpxeTemplate.FILE));
        Files.copy(uki.uki(), root.dir().resolve(IpxeTemplate.UKI));
        Files.copy(uki.measurementsFile(), root.dir().resolve(HpcUki.MEASUREMENTS));
        return root;
    }

    /** A passed run's directory is deleted; a failed one's is kept for its logs. */
    private static void deleteUnlessFailed(Path run, boolean passed) throws IOException {
        if (passed) {
            PxeBootIT.deleteTree(run);
        } else {
            System.out.println("logs kept in " + run);
        }
    }
}
