package org.leo.attest.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;

/** Power control against real peers: a QEMU process's QMP monitor, a UDP socket for Wake-on-LAN, ipmitool. */
class PowerControlTest {
    @TempDir
    Path tmp;

    @Test
    @Tag("system")
    void qemuMonitorResetsARealVm() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64")), "qemu-system-x86 is not installed");
        Path qmp = tmp.resolve("vm.qmp");
        // A VM with no disk and no NIC that just sits in its firmware: enough to reset.
        Process vm = new ProcessBuilder("qemu-system-x86_64", "-accel", "tcg", "-machine", "pc", "-m", "32", "-nodefaults",
                "-display", "none", "-qmp", "unix:" + qmp + ",server=on,wait=off", "-serial", "none")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("qemu.log").toFile()).start();
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(qmp) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            QemuMonitorPowerControl pc = new QemuMonitorPowerControl(hpc -> hpc.equals("52:54:00:77:00:10") ? qmp : null);
            pc.powerCycle("52:54:00:77:00:10"); // returns only after QMP answered {"return": {}} to system_reset
            pc.powerCycle("52:54:00:77:00:10"); // and again: the monitor stays usable
            assertThat(vm.isAlive()).isTrue();
            assertThatThrownBy(() -> pc.powerCycle("52:54:00:77:00:99")).hasMessage("no QEMU monitor socket is known for 52:54:00:77:00:99");
        } finally {
            vm.destroy();
            vm.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void qemuMonitorThatIsNotThereIsAnIOException() {
        QemuMonitorPowerControl pc = new QemuMonitorPowerControl(hpc -> tmp.resolve("absent.qmp"));
        assertThatThrownBy(() -> pc.powerCycle("52:54:00:77:00:10")).isInstanceOf(IOException.class);
    }

    @Test
    void wakeOnLanSendsTheMagicPacket() throws Exception {
        try (DatagramSocket rx = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            rx.setSoTimeout(5000);
            new WakeOnLanPowerControl(new InetSocketAddress(InetAddress.getLoopbackAddress(), rx.getLocalPort()))
                    .powerCycle("52:54:00:77:00:10");
            DatagramPacket p = new DatagramPacket(new byte[256], 256);
            rx.receive(p);
            assertThat(p.getLength()).isEqualTo(102);
            byte[] expected = WakeOnLanPowerControl.magicPacket(MacAddress.parse("52:54:00:77:00:10"));
            assertThat(java.util.Arrays.copyOf(p.getData(), p.getLength())).isEqualTo(expected);
            assertThat(java.util.Arrays.copyOfRange(expected, 0, 12)).containsExactly((byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x52, (byte) 0x54, (byte) 0x00, (byte) 0x77, (byte) 0x00, (byte) 0x10);
        }
    }

    /** No BMC can be reached here: ipmitool runs for real and its failure reaches the action log as an IOException. */
    @Test
    @Tag("system")
    void ipmiRunsIpmitoolAndReportsItsFailure() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/ipmitool")), "ipmitool is not installed");
        Path pw = tmp.resolve("bmc.pw");
        Files.writeString(pw, "secret\n");
        IpmiPowerControl pc = new IpmiPowerControl("ipmitool", "127.0.0.1", "admin", pw);
        assertThat(pc.command()).containsExactly("ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-U", "admin", "-f", pw.toString(),
                "chassis", "power", "cycle");
        assertThat(String.join(" ", pc.command())).doesNotContain("secret");
        assertThatThrownBy(() -> pc.powerCycle("52:54:00:77:00:10")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("ipmitool exited with status 1");
    }
}
