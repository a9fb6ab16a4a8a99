package org.leo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;

class AgentMainTest {
    @TempDir
    Path tmp;

    static String[] capture(Runnable r) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            r.run();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {o.toString(), e.toString()};
    }

    @Test
    void helpReadsLikeAManPage() {
        int[] rc = new int[1];
        String[] out = capture(() -> rc[0] = AgentMain.run(new String[] {"--help"}));
        assertThat(rc[0]).isZero();
        assertThat(out[0]).startsWith("Usage: leo-agent [OPTIONS]").contains("Exit status:").contains("--memory-region NAME=FILE:BASE:SIZE");
    }

    @Test
    void withoutAPiOnTheCommandLineItSaysWhatIsMissing() {
        HostPaths host = CraftedHost.copyTo(tmp.resolve("h"));
        int[] rc = new int[1];
        String[] out = capture(() -> rc[0] = AgentMain.run(new String[] {"--root", host.proc().getParent().toString(),
                "--cmdline", "console=ttyS0"}));
        assertThat(rc[0]).isEqualTo(2);
        assertThat(out[1]).contains("no Pi to attest to: the kernel command line has no leo.server= or leo.ca= (give --server and --ca)");
    }

    @Test
    void aMalformedCaFingerprintExitsTwoAtOnce() {
        int[] rc = new int[1];
        String[] out = capture(() -> rc[0] = AgentMain.run(new String[] {"--server", "10.0.0.1", "--ca", "00", "--mac", "52:54:00:00:00:01",
                "--cmdline", "x", "--root", tmp.toString()}));
        assertThat(rc[0]).isEqualTo(2);
        assertThat(out[1]).contains("the appliance CA to pin (--ca or leo.ca=) must be 64 hex digits, its certificate's SHA-256; got '00'");
    }

    @Test
    void badOptionsExitTwo() {
        int[] rc = new int[1];
        String[] out = capture(() -> rc[0] = AgentMain.run(new String[] {"--frobnicate", "1"}));
        assertThat(rc[0]).isEqualTo(2);
        assertThat(out[1]).contains("unknown option --frobnicate");
        capture(() -> rc[0] = AgentMain.run(new String[] {"--memory-region", "x=y", "--server", "h", "--ca", "00".repeat(32), "--mac", "52:54:00:00:00:01",
                "--cmdline", "x", "--root", tmp.toString()}));
        assertThat(rc[0]).isEqualTo(2);
    }

    @Test
    void theInterfaceTowardsThePiIsThatOfTheDefaultRoute() throws Exception {
        HostPaths host = CraftedHost.copyTo(tmp.resolve("h"));
        assertThat(Files.readString(host.proc().resolve("net/route"))).contains("00000000");
        assertThat(AgentMain.defaultRouteInterface(host)).isEqualTo("eth0");
        assertThat(AgentMain.stripPort("10.0.0.1:8443")).isEqualTo("10.0.0.1");
        assertThat(AgentMain.stripPort("fe80::1")).isEqualTo("fe80::1");
    }

    @Test
    void theImagesPropertiesNameTheTaskEngineWhenNoOptionDoes() {
        HostPaths host = CraftedHost.copyTo(tmp.resolve("h"));
        String socket = "unix://" + tmp.resolve("no-engine.sock");
        System.setProperty("leo.task.engine", socket);
        try {
            int[] rc = new int[1];
            String[] out = capture(() -> rc[0] = AgentMain.run(new String[] {"--server", "10.0.0.1", "--ca", "00".repeat(32), "--mac",
                    "52:54:00:00:00:01", "--cmdline", "x", "--root", host.proc().getParent().toString(), "--task-root", tmp.resolve("tasks").toString()}));
            assertThat(rc[0]).as(out[1]).isEqualTo(2);
            assertThat(out[1]).contains("leo-agent: no engine at " + socket);
        } finally {
            System.clearProperty("leo.task.engine");
        }
    }
}
