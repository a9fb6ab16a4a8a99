package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.testing.NetNs;

/**
 * Real firmware against our server: a QEMU guest (no disk, {@code -boot n}) on a tap device inside
 * our network namespace, the server (separate JVM) bound to that tap. The guest's iPXE ROM (BIOS)
 * or OVMF's own PXE client (UEFI) must accept our OFFER and get an ACK with its boot file; the TFTP
 * that follows fails (no TFTP server here), which is outside this test. Needs root and the Debian
 * packages iproute2, qemu-system-x86, ipxe-qemu, ovmf.
 */
@Tag("system")
class DhcpQemuSystemTest {
    static final Path OVMF = Path.of("/usr/share/ovmf/OVMF.fd");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "ipxe-bios, 52:54:00:79:00:10, 10.79.0.10, boot.ipxe",
            "ovmf-pxe, 52:54:00:79:00:11, 10.79.0.11, ipxe.efi",
    })
    void firmwareGetsLeaseAndBootFile(String firmware, String mac, String ip, String bootFile) throws Exception {
        Optional<String> why = NetNs.unavailableReason("qemu-system-x86_64");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.get());
        boolean uefi = firmware.startsWith("ovmf");
        assumeTrue(!uefi || Files.exists(OVMF), "skipped: needs " + OVMF + " (Debian package ovmf)");
        assumeTrue(Files.exists(Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom")) || Files.exists(Path.of("/usr/share/qemu/pxe-virtio.rom"))
                || Files.exists(Path.of("/usr/lib/ipxe/qemu/pxe-virtio.rom")), "skipped: needs the ipxe-qemu ROMs");
        try (NetNs net = NetNs.create("leod")) {
            String tap = net.tap(net.a());
            net.address(net.a(), tap, "10.79.0.1/24");
            Path log = dir.resolve("server.log");
            try (ServerProcess server = ServerProcess.start(net.execPrefix(net.a()), log, List.of("server=10.79.0.1",
                    "db=" + dir.resolve("leases.db"), "iface=" + tap, "transport=epoll", "reserve=" + mac + "@" + ip))) {
                List<String> qemu = new java.util.ArrayList<>(List.of("qemu-system-x86_64", "-display", "none",
                        "-serial", "none", "-monitor", "none", "-m", "256", "-no-reboot",
                        "-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no",
                        "-device", "virtio-net-pci,netdev=n0,mac=" + mac, "-boot", "n"));
                if (uefi) {
                    qemu.addAll(List.of("-bios", OVMF.toString()));
                }
                Process guest = net.start(net.a(), ProcessBuilder.Redirect.appendTo(dir.resolve("qemu.log").toFile()), qemu);
                Pattern ack = Pattern.compile("DHCP REQUEST xid=\\S+ " + Pattern.quote(mac) + " -> ACK .*acked "
                        + Pattern.quote(ip) + " .*boot file " + Pattern.quote(bootFile) + " ");
                boolean acked = false;
                try {
                    for (int i = 0; i < 1800 && !acked && guest.isAlive(); i++) { // up to 3 minutes under TCG
                        Thread.sleep(100);
                        acked = ack.matcher(read(log)).find();
                    }
                } finally {
                    guest.destroyForcibly();
                    guest.waitFor();
                }
                System.out.println(read(log));
                assertThat(acked).as("server log shows an ACK of %s with %s for %s:%n%s", ip, bootFile, mac, read(log)).isTrue();
                assertThat(read(log)).containsPattern("DHCP DISCOVER xid=\\S+ " + Pattern.quote(mac) + " -> OFFER");
            }
        }
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }
}
