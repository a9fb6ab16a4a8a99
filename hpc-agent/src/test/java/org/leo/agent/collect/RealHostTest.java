package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;

/** The collectors over this machine's real /proc and /sys: no error, and facts we know are there. */
class RealHostTest {
    @Test
    void processTableHasThisJvmWithItsExecutableDigest() throws Exception {
        OsResult r = new OsCollector(HostPaths.real()).collect(OsCheck.newBuilder().setProcesses(true)
                .setModules(true).setKernelCmdline(true).build());
        long self = ProcessHandle.current().pid();
        ProcessInfo me = r.getProcessesList().stream().filter(p -> p.getPid() == self).findFirst().orElseThrow();
        assertThat(me.getComm()).isNotEmpty();
        Path exe = Path.of("/proc/self/exe").toRealPath();
        assertThat(me.getExe()).isEqualTo(exe.toString());
        assertThat(me.getExeSha256().toByteArray())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(exe)));
        assertThat(me.getCmdline()).contains("java");
        assertThat(r.getKernelCmdline()).isEqualTo(Files.readString(Path.of("/proc/cmdline")).strip());
        assertThat(r.getProcessesList()).extracting(ProcessInfo::getPid).isSorted();
    }

    @Test
    void networkHasTheLoopbackInterfaceAndRoute() {
        NetworkResult r = new NetworkCollector(HostPaths.real()).collect();
        assertThat(r.getInterfacesList()).anySatisfy(i -> {
            assertThat(i.getName()).isEqualTo("lo");
            assertThat(i.getUp()).isTrue();
            assertThat(i.getAddressesList()).contains("127.0.0.1/8");
        });
        assumeThat(Files.exists(Path.of("/proc/net/ipv6_route"))).as("IPv6 enabled").isTrue();
        assertThat(r.getRoutesList()).anySatisfy(rt -> {
            assertThat(rt.getDestination()).isEqualTo("::1/128");
            assertThat(rt.getInterface()).isEqualTo("lo");
        });
    }

    @Test
    void hardwareListsTheCpusAndNics() {
        HardwareResult r = new HardwareCollector(HostPaths.real()).collect();
        assertThat(r.getDevicesList().stream().filter(d -> d.getBus().equals("cpu")).count())
                .isEqualTo(Runtime.getRuntime().availableProcessors() > 0 ? countCpuinfo() : 0);
        assertThat(r.getDevicesList()).anySatisfy(d -> {
            assertThat(d.getBus()).isEqualTo("nic");
            assertThat(d.getId()).isEqualTo("lo");
        });
    }

    private static long countCpuinfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
