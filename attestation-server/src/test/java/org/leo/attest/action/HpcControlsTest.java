package org.leo.attest.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Actions act on the HPC a finding is about: controls are configured per MAC, an HPC without one
 * gets a failed action and never another HPC's control, and cutting one HPC off by nftables leaves
 * its neighbour on the segment reachable (real namespaces, a bridge for the switch, real nft).
 */
class HpcControlsTest {
    static final String A = "52:54:00:77:00:10";
    static final String B = "52:54:00:77:00:11";

    static final class Recorder implements PowerControl, NetworkControl {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final String name;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public void powerCycle(String hpc) {
            calls.add(name + " cycle " + hpc);
        }

        @Override
        public String describe() {
            return name;
        }

        @Override
        public void cut(String hpc) {
            calls.add(name + " cut " + hpc);
        }

        @Override
        public void restore(String hpc) {
            calls.add(name + " restore " + hpc);
        }
    }

    @Test
    void eachHpcHasItsOwnControlsAndNoneIsGlobal() throws IOException {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        HpcControls c = new HpcControls().with(A, a, a).with(B.toUpperCase(), b, b);
        c.power().powerCycle(B);
        c.network().cut(A);
        assertThat(a.calls).containsExactly("a cut " + A);
        assertThat(b.calls).containsExactly("b cycle " + B);
        assertThat(c.power().describe(A)).isEqualTo("a");
        assertThatThrownBy(() -> c.power().powerCycle("52:54:00:77:00:99"))
                .hasMessage("no power control is configured for HPC 52:54:00:77:00:99 (--power 52:54:00:77:00:99=KIND:ARGS)");
        assertThatThrownBy(() -> HpcControls.parse(List.of("qemu:/run/vm.qmp"), List.of()))
                .hasMessage("--power takes MAC=KIND:ARGS (one HPC per entry, never a global target), got 'qemu:/run/vm.qmp'");
        assertThatThrownBy(() -> HpcControls.parse(List.of(), List.of(A + "=nft:eth1", A + "=link:eth1")))
                .hasMessage("--cut-network names HPC " + A + " twice");
        assertThatThrownBy(() -> HpcControls.parse(List.of(), List.of(A + "=nft:eth1;reboot")))
                .hasMessage("not an interface name: 'eth1;reboot'");
        HpcControls parsed = HpcControls.parse(List.of(A + "=qemu:/run/a.qmp", B + "=qemu:/run/b.qmp"), List.of(A + "=nft:eth1"));
        assertThat(parsed.power().describe(B)).isEqualTo("QEMU monitor /run/b.qmp");
    }

    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
        }
        return out;
    }

    static boolean pings(String netns, String address) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", netns, "busybox", "ping", "-c", "1", "-W", "2", address).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** Pi, switch (a bridge) and two HPCs, each in a namespace of its own; the Pi's interface is "pi0". */
    @Test
    @Tag("system")
    void cuttingOneHpcByNftablesLeavesItsNeighbourReachable() throws Exception {
        String p = "leoc" + (ProcessHandle.current().pid() % 100000);
        String pi = p + "-pi";
        String sw = p + "-sw";
        String ha = p + "-a";
        String hb = p + "-b";
        List<String> namespaces = List.of(pi, sw, ha, hb);
        try {
            for (String ns : namespaces) {
                sh("ip", "netns", "add", ns);
            }
            sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", sw, "link", "set", "br0", "up");
            String[][] ports = {{pi, "pi0", null, "10.79.0.1/24"}, {ha, "eth0", A, "10.79.0.10/24"}, {hb, "eth0", B, "10.79.0.11/24"}};
            int i = 0;
            for (String[] port : ports) {
                String swIf = "sp" + i++;
                List<String> add = new ArrayList<>(List.of("ip", "-n", sw, "link", "add", swIf, "type", "veth", "peer", "name", port[1], "netns", port[0]));
                if (port[2] != null) {
                    add.addAll(List.of("address", port[2]));
                }
                sh(add.toArray(String[]::new));
                sh("ip", "-n", sw, "link", "set", swIf, "master", "br0", "up");
                sh("ip", "-n", port[0], "addr", "add", port[3], "dev", port[1]);
                sh("ip", "-n", port[0], "link", "set", port[1], "up");
            }
            assertThat(pings(ha, "10.79.0.1")).as("A reaches the Pi before the cut").isTrue();
            assertThat(pings(hb, "10.79.0.1")).as("B reaches the Pi before the cut").isTrue();

            HpcControls controls = new HpcControls().with(A, null, new NftablesNetworkControl(pi, "pi0"))
                    .with(B, null, new NftablesNetworkControl(pi, "pi0"));
            controls.network().cut(A);
            assertThat(sh("ip", "netns", "exec", pi, "nft", "list", "tables")).contains("table netdev leo_cut_525400770010");
            assertThat(pings(ha, "10.79.0.1")).as("A is cut off").isFalse();
            assertThat(pings(hb, "10.79.0.1")).as("B, on the same segment, is not").isTrue();

            controls.network().restore(A);
            controls.network().restore(A); // restoring twice is harmless
            assertThat(pings(ha, "10.79.0.1")).as("A is back").isTrue();
        } finally {
            for (String ns : namespaces) {
                new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
