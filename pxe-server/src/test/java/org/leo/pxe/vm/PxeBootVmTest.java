package org.leo.pxe.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;

/**
 * Boots a real disk-less QEMU VM (TCG) over the network against a {@link BootServerUnderTest} - today
 * the {@link DnsmasqServer} stand-in - and checks the initramfs ran with our kernel command line and
 * could use the network (DHCP, then HTTP and TFTP fetches of a random probe file whose SHA-256 must
 * match). Prints each boot's timeline. To drive the project's server, change {@link #server(Path)}.
 *
 * <p>Needs root (netns, tap), Debian packages qemu-system-x86 ipxe-qemu ovmf dnsmasq-base python3
 * iproute2, and the Debian archive reachable once (kernel + busybox-static, then cached).
 * System property {@code leo.test.vm.ra=false} turns the stand-in's Router Advertisements off
 * (iPXE then waits ~16 s for IPv6 autoconfiguration).
 */
@Tag("system")
class PxeBootVmTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(150);
    private static final int HTTP_PORT = 8080;
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    private static final Pattern SCRIPT_LOADED = Pattern.compile("LEO-IPXE: script loaded mode=(\\w+) platform=(\\w+)");

    private static BootArtifacts artifacts;

    @BeforeAll
    static void preconditions() throws Exception {
        // The product boots in appliance/.../PxeBootIT; this stand-in run validates the harness itself and gives the
        // dnsmasq reference timeline for bench/boot-bench.sh, so it only runs when asked for.
        assumeTrue(Boolean.getBoolean("leo.test.vm.standin"),
                "stand-in (dnsmasq) VM boots run only with -Dleo.test.vm.standin=true");
        assumeTrue(Exec.onPath("dnsmasq"), "dnsmasq missing (Debian package dnsmasq-base), the stand-in server");
        assumeTrue(Exec.onPath("python3"), "python3 missing (the stand-in HTTP server)");
        artifacts = VmPreconditions.assumeVmBootPossible();
    }

    /** The server under test: the one line to change to boot against the project's own server. */
    private static BootServerUnderTest server(Path runDir) {
        return new DnsmasqServer(runDir, !"false".equals(System.getProperty("leo.test.vm.ra")));
    }

    @Test
    void biosBootsOverTftp() throws Exception {
        boot(Firmware.BIOS, BootMode.TFTP);
    }

    @Test
    void biosBootsOverHttp() throws Exception {
        boot(Firmware.BIOS, BootMode.HTTP);
    }

    @Test
    void uefiBootsOverTftp() throws Exception {
        assumeTrue(Files.isReadable(Firmware.OVMF_CODE) && Files.isReadable(Firmware.OVMF_VARS),
                "OVMF 4M firmware missing (Debian package ovmf)");
        boot(Firmware.UEFI, BootMode.TFTP);
    }

    /**
     * Power-cycle through the monitor: with -no-reboot off, {@code system_reset} once iPXE ran the
     * boot script; the VM must come up again from the firmware and boot to LEO-DONE.
     */
    @Test
    void monitorResetRebootsFromTheNetwork() throws Exception {
        withBootingVm(Firmware.BIOS, BootMode.TFTP, b -> b.noReboot(false), (topo, root, srv, vm) -> {
            assertThat(vm.monitor("info network")).contains("ifname=" + topo.tap()).contains("macaddr=" + MAC);
            SerialLine first = vm.awaitSerial(SCRIPT_LOADED, BOOT_TIMEOUT);
            assertThat(vm.monitor("system_reset")).isEmpty();
            SerialLine firmware = vm.awaitSerialAfter(first.index(), Pattern.compile("SeaBIOS \\(version"),
                    Duration.ofSeconds(30));
            SerialLine again = vm.awaitSerialAfter(firmware.index(), SCRIPT_LOADED, BOOT_TIMEOUT);
            SerialLine done = vm.awaitSerialAfter(again.index(), BootTimeline.DONE, BOOT_TIMEOUT);
            System.out.printf(Locale.ROOT, "power-cycle: script loaded +%.3f s, system_reset, firmware again +%.3f s,"
                    + " script again +%.3f s, LEO-DONE +%.3f s%n", secs(first), secs(firmware), secs(again), secs(done));
            assertThat(done.text()).contains("dhcp=ok").contains("http=ok").contains("tftp=ok");
        });
    }

    private void boot(Firmware fw, BootMode mode) throws Exception {
        withBootingVm(fw, mode, b -> b, (topo, root, srv, vm) -> {
            assertThat(vm.monitor("info status")).contains("VM status: running");

            SerialLine done = vm.awaitSerial(BootTimeline.DONE, BOOT_TIMEOUT);
            BootTimeline timeline = BootTimeline.of(vm, srv.firstDhcpAckNanoTime());
            System.out.println(timeline.format(fw + "-" + mode + " (kernel " + artifacts.kernelVersion()
                    + ", serial log " + vm.serialLog() + ")"));

            SerialLine script = vm.awaitSerial(SCRIPT_LOADED, Duration.ZERO);
            var m = SCRIPT_LOADED.matcher(script.text());
            assertThat(m.find()).isTrue();
            assertThat(m.group(1)).as("script the server handed out").isEqualTo(mode.name().toLowerCase());
            assertThat(m.group(2)).as("iPXE platform").isEqualTo(fw == Firmware.UEFI ? "efi" : "pcbios");
            SerialLine marker = vm.awaitSerial(BootTimeline.MARKER, Duration.ZERO);
            assertThat(marker.text()).as("kernel command line in the marker")
                    .contains("leo.nonce=" + root.nonce()).contains("leo.server=" + topo.pi().address());
            assertThat(done.text()).contains("dhcp=ok").contains("http=ok").contains("tftp=ok");
            vm.awaitSerial(Pattern.compile("LEO-HTTP-OK sha256=" + root.probeSha256()), Duration.ZERO);
            vm.awaitSerial(Pattern.compile("LEO-TFTP-OK sha256=" + root.probeSha256()), Duration.ZERO);
            assertThat(timeline.marker()).isPresent();
            assertThat(timeline.kernelFetched()).isPresent();
            assertThat(vm.awaitExit(Duration.ofSeconds(20))).as("VM powered itself off").isPresent();
        });
    }

    interface VmCheck {
        void check(NetNsTopology topo, BootRoot root, BootServerUnderTest server, QemuVm vm) throws Exception;
    }

    /** Topology + server + VM, torn down in reverse order; run logs kept (and printed) on failure. */
    private void withBootingVm(Firmware fw, BootMode mode, UnaryOperator<QemuVm.Builder> vmOptions, VmCheck check)
            throws Exception {
        String name = (fw + "-" + mode).toLowerCase();
        String nonce = "T" + HexFormat.of().formatHex(randomBytes());
        Path run = Files.createTempDirectory("leov-" + name + "-");
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             BootServerUnderTest srv = server(run.resolve("server"))) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), artifacts, topo.pi().address(), HTTP_PORT, nonce);
            srv.start(topo.pi(), root, mode);
            try (QemuVm vm = vmOptions.apply(QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm"))
                    .firmware(fw).mac(MAC)).start()) {
                check.check(topo, root, srv, vm);
            }
            passed = true;
        } finally {
            if (passed) {
                deleteTree(run);
            } else {
                System.out.println(name + ": logs kept in " + run);
            }
        }
    }

    private static double secs(SerialLine l) {
        return l.at().toNanos() / 1e9;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
