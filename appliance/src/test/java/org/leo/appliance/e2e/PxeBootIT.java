package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.BootArtifacts;
import org.leo.pxe.vm.BootMode;
import org.leo.pxe.vm.BootRoot;
import org.leo.pxe.vm.BootTimeline;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.Firmware;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;
import org.leo.pxe.vm.VmPreconditions;

/**
 * The real thing: a disk-less QEMU VM (TCG) with the stock iPXE ROM, BIOS and UEFI, boots a
 * Debian kernel and a busybox initramfs from the packaged {@code leo pxe serve} over TFTP and over
 * HTTP. Checks what the VM printed (the per-boot nonce from our script reached the kernel command
 * line) and what the boot event log recorded (DHCP, the script, every file with the manifest's
 * digest). A tampered initramfs is refused at serve time and the VM does not boot it.
 */
@Tag("system")
class PxeBootIT {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static final int HTTP_PORT = 8080;
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    private static final Pattern NONCE = Pattern.compile("leo\\.nonce=([0-9a-f]{64})");

    private static BootArtifacts artifacts;

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        artifacts = VmPreconditions.assumeVmBootPossible();
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
        assumeUefi();
        boot(Firmware.UEFI, BootMode.TFTP);
    }

    @Test
    void uefiBootsOverHttp() throws Exception {
        assumeUefi();
        boot(Firmware.UEFI, BootMode.HTTP);
    }

    /**
     * proxyDHCP: the site's own DHCP server (dnsmasq, in a third namespace on the same segment) hands
     * out the address; leo answers only with boot information (port 67 offer, port 4011 ack) and
     * identifies the client for the script by the kernel's neighbour table.
     */
    @Test
    void biosBootsThroughProxyDhcpBesideTheSitesDhcpServer() throws Exception {
        assumeTrue(Exec.onPath("dnsmasq"), "dnsmasq missing (Debian package dnsmasq-base), the site's DHCP server");
        Path run = Files.createTempDirectory("leoe-proxy-");
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             SiteDhcpServer site = SiteDhcpServer.start(topo, run.resolve("site"));
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC, true)) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), artifacts, topo.pi().address(), HTTP_PORT, "unused");
            server.start(topo.pi(), root, BootMode.TFTP);
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(Firmware.BIOS).mac(MAC).start()) {
                SerialLine done;
                try {
                    done = vm.awaitSerial(BootTimeline.DONE, BOOT_TIMEOUT);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("no LEO-DONE within " + BOOT_TIMEOUT + "; serial tail:\n" + vm.tail() + "\nserver log:\n" + server.log()
                            + "\nsite dhcp log:\n" + site.log());
                    return;
                }
                System.out.println(BootTimeline.of(vm, server.firstDhcpAckNanoTime()).format("leo proxyDHCP BIOS-TFTP"));
                assertThat(done.text()).contains("dhcp=ok").contains("http=ok").contains("tftp=ok");
                assertThat(site.log()).as("the site's server leased the address").contains("DHCPACK");
                List<BootEvent> events = server.events();
                events.forEach(e -> System.out.println("  event: " + e.stage() + " " + e.file() + " " + e.detail()));
                assertThat(events).anyMatch(e -> e.stage() == BootStage.DHCP_OFFER && e.detail().contains("proxy"));
                // iPXE takes the boot file from the proxy offer itself; it asks port 4011 only when the offer lacks one
                // (the port 4011 exchange is covered by DhcpServerLoopbackTest).
                assertThat(events).noneMatch(e -> e.stage() == BootStage.DHCP_ACK && !e.detail().contains("proxy"));
                assertThat(events).anyMatch(e -> e.stage() == BootStage.SCRIPT_SERVED);
                assertThat(events).anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(BootRoot.INITRD));
            }
            passed = true;
        } finally {
            if (passed) {
                deleteTree(run);
            } else {
                System.out.println("proxy: logs kept in " + run);
            }
        }
    }

    /** One byte changed in the initramfs after the manifest was signed: refused at serve time, never booted. */
    @Test
    void tamperedInitramfsIsRefusedAndNotBooted() throws Exception {
        Path run = Files.createTempDirectory("leoe-tamper-");
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC)) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), artifacts, topo.pi().address(), HTTP_PORT, "unused");
            server.start(topo.pi(), root, BootMode.TFTP);
            Path initrd = root.dir().resolve(BootRoot.INITRD);
            byte[] bytes = Files.readAllBytes(initrd);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(initrd, bytes);
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(Firmware.BIOS).mac(MAC).start()) {
                SerialLine failed = vm.awaitSerial(Pattern.compile("initrd\\.img\\.\\.\\. (Permission denied|Operation not permitted|Error|.*ipxe\\.org)"),
                        BOOT_TIMEOUT);
                System.out.println("tampered initramfs, iPXE said: " + failed.text().strip());
                BootEvent refused = awaitEvent(server, BootStage.FILE_REFUSED, BootRoot.INITRD);
                assertThat(refused.detail()).containsIgnoringCase("digest");
                System.out.println("boot event: " + refused);
                Thread.sleep(5000);
                assertThat(vm.serialLines()).noneMatch(l -> BootTimeline.MARKER.matcher(l.text()).find());
                assertThat(server.events()).noneMatch(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(BootRoot.INITRD));
            }
        } finally {
            deleteTree(run);
        }
    }

    private static void assumeUefi() {
        assumeTrue(Files.isReadable(Firmware.OVMF_CODE) && Files.isReadable(Firmware.OVMF_VARS),
                "OVMF 4M firmware missing (Debian package ovmf)");
    }

    private void boot(Firmware fw, BootMode mode) throws Exception {
        String name = (fw + "-" + mode).toLowerCase(Locale.ROOT);
        Path run = Files.createTempDirectory("leoe-" + name + "-");
        boolean passed = false;
        try (NetNsTopology topo = NetNsTopology.create(NetNsTopology.DEFAULT_BASE);
             LeoPxeServer server = new LeoPxeServer(run.resolve("server"), MAC)) {
            BootRoot root = BootRoot.prepare(run.resolve("root"), artifacts, topo.pi().address(), HTTP_PORT, "unused");
            server.start(topo.pi(), root, mode);
            try (QemuVm vm = QemuVm.builder(topo.hpc(), topo.tap(), run.resolve("vm")).firmware(fw).mac(MAC).start()) {
                SerialLine done;
                try {
                    done = vm.awaitSerial(BootTimeline.DONE, BOOT_TIMEOUT);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("no LEO-DONE within " + BOOT_TIMEOUT + "; serial tail:\n" + vm.tail() + "\nserver log:\n" + server.log());
                    return;
                }
                BootTimeline timeline = BootTimeline.of(vm, server.firstDhcpAckNanoTime());
                System.out.println(timeline.format("leo " + fw + "-" + mode + " (kernel " + artifacts.kernelVersion() + ")"));

                SerialLine marker = vm.awaitSerial(BootTimeline.MARKER, Duration.ZERO);
                Matcher m = NONCE.matcher(marker.text());
                assertThat(m.find()).as("our script's leo.nonce reached the kernel command line: %s", marker.text()).isTrue();
                String nonce = m.group(1);
                assertThat(marker.text()).contains("leo.server=" + topo.pi().address()).contains("initrd=" + BootRoot.INITRD);
                assertThat(done.text()).contains("dhcp=ok").contains("http=ok").contains("tftp=ok");
                vm.awaitSerial(Pattern.compile("LEO-HTTP-OK sha256=" + root.probeSha256()), Duration.ZERO);
                vm.awaitSerial(Pattern.compile("LEO-TFTP-OK sha256=" + root.probeSha256()), Duration.ZERO);

                // The boot event log shows the whole boot: DHCP, the script with this nonce, every file with its digest. A
                // TFTP transfer is logged when its last ACK arrives, which the guest sends after it has the data and may
                // print its markers: wait for both probes' events, with a bound (a loaded CI machine once read too soon).
                List<BootEvent> events = server.events();
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (!probesServed(events) && System.nanoTime() < until) {
                    Thread.sleep(100);
                    events = server.events();
                }
                events.forEach(e -> System.out.println("  event: " + e.stage() + " " + (e.protocol() == null ? "" : e.protocol() + " ")
                        + e.file() + " " + e.bytes() + " " + e.detail()));
                assertThat(events).extracting(BootEvent::stage).contains(BootStage.DHCP_DISCOVER, BootStage.DHCP_OFFER,
                        BootStage.DHCP_REQUEST, BootStage.DHCP_ACK, BootStage.SCRIPT_SERVED);
                assertThat(events).anyMatch(e -> e.stage() == BootStage.SCRIPT_SERVED && e.bootNonce().equals(nonce));
                Protocol expected = mode == BootMode.TFTP ? Protocol.TFTP : Protocol.HTTP;
                Map<String, String> served = events.stream()
                        .filter(e -> e.stage() == BootStage.FILE_SERVED && e.protocol() == expected)
                        .collect(Collectors.toMap(BootEvent::file, BootEvent::sha256Hex, (a, b) -> b));
                assertThat(served).containsEntry(BootRoot.KERNEL, sha256(root.dir().resolve(BootRoot.KERNEL)))
                        .containsEntry(BootRoot.INITRD, sha256(root.dir().resolve(BootRoot.INITRD)));
                assertThat(events).as("the initramfs fetched the probe over both protocols")
                        .anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.protocol() == Protocol.TFTP && e.file().equals(BootRoot.PROBE))
                        .anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.protocol() == Protocol.HTTP && e.file().equals(BootRoot.PROBE));
                assertThat(events).noneMatch(e -> e.stage() == BootStage.FILE_REFUSED);
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

    static BootEvent awaitEvent(LeoPxeServer server, BootStage stage, String file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (BootEvent e : server.events()) {
                if (e.stage() == stage && e.file().equals(file)) {
                    return e;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + stage + " event for " + file + "; events: " + server.events());
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean probesServed(List<BootEvent> events) {
        return events.stream().anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.protocol() == Protocol.TFTP && e.file().equals(BootRoot.PROBE))
                && events.stream().anyMatch(e -> e.stage() == BootStage.FILE_SERVED && e.protocol() == Protocol.HTTP && e.file().equals(BootRoot.PROBE));
    }
}
