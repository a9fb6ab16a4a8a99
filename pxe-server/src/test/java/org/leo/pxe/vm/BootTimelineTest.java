package org.leo.pxe.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Phase extraction from serial text as iPXE 1.0.0 (Debian ipxe-qemu) and the test initramfs print it. */
class BootTimelineTest {
    private static SerialLine l(int i, long ms, String text) {
        return new SerialLine(i, Duration.ofMillis(ms), text);
    }

    @Test
    void findsEveryPhaseInIpxeAndInitramfsOutput() {
        List<SerialLine> lines = List.of(
                l(0, 80, "SeaBIOS (version 1.16.2-debian-1.16.2-1)"),
                l(1, 2227, "Press Ctrl-B for the iPXE command line...          net0: 52:54:00:77:00:10 using virtio-net"),
                l(2, 2262, "Configuring (net0 52:54:00:77:00:10)... ok"),
                l(3, 2292, "tftp://10.77.0.1/boot-tftp.ipxe... ok"),
                l(4, 2306, "LEO-IPXE: script loaded mode=tftp platform=pcbios ip=10.77.0.115 next=10.77.0.1"),
                l(5, 2815, "tftp://10.77.0.1/vmlinuz... 71%     ok"),
                l(6, 2884, "http://10.77.0.1:8080/initrd.img... ok"),
                l(7, 8497, "LEO-MARKER: initramfs reached uptime=2.16 cmdline=initrd=initrd.img leo.nonce=X"),
                l(8, 9039, "LEO-DONE uptime=2.71 dhcp=ok http=ok tftp=ok"));
        BootTimeline t = BootTimeline.parse(lines, Optional.of(Duration.ofMillis(80)), Optional.empty());
        assertThat(t.ipxeConfigured()).contains(Duration.ofMillis(2262));
        assertThat(t.scriptLoaded()).contains(Duration.ofMillis(2306));
        assertThat(t.kernelFetched()).contains(Duration.ofMillis(2815));
        assertThat(t.initrdFetched()).contains(Duration.ofMillis(2884));
        assertThat(t.marker()).contains(Duration.ofMillis(8497));
        assertThat(t.done()).contains(Duration.ofMillis(9039));
        assertThat(t.dhcpAck()).isEmpty();
        assertThat(t.format("x")).contains("+  8.497 s  initramfs marker").contains("        -   DHCPACK sent (server)");
    }

    @Test
    void failedFetchAndMissingPhasesStayEmpty() {
        List<SerialLine> lines = List.of(
                l(0, 2000, "Configuring (net0 52:54:00:77:00:10)...... Connection timed out (http://ipxe.org/4c0a6035)"),
                l(1, 3000, "tftp://10.77.0.1/vmlinuz... Permission denied (http://ipxe.org/0216eb3c)"));
        BootTimeline t = BootTimeline.parse(lines, Optional.empty(), Optional.of(Duration.ofMillis(1900)));
        assertThat(t.ipxeConfigured()).isEmpty();
        assertThat(t.kernelFetched()).isEmpty();
        assertThat(t.marker()).isEmpty();
        assertThat(t.dhcpAck()).contains(Duration.ofMillis(1900));
    }
}
