package org.leo.bench.attest;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.agent.Agent;
import org.leo.agent.AgentConfig;
import org.leo.agent.EvidenceSource;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.KernelModule;
import org.leo.protocol.attest.v1.NetInterface;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;
import org.leo.protocol.attest.v1.Route;
import org.leo.protocol.attest.v1.Socket;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;

/**
 * N simulated HPCs for the capacity benchmark, each a real {@link Agent} (own key, enrollment,
 * mutual TLS stream from its own 127.0.a.b source address) answering with evidence the size of a
 * small booted HPC's (60 processes, 40 modules, 24 devices, 12 sockets): {@code N BOOT_DB ENROLL_PORT
 * ATTEST_PORT CA_SHA256}. Records each HPC's boot in the boot event log first, as the PXE server would.
 */
public final class AttestBenchAgents {
    static final String KERNEL_SHA = "11".repeat(32);
    static final String INITRD_SHA = "22".repeat(32);

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<String> nonces = new ArrayList<>();
        try (SqliteBootEventLog boots = SqliteBootEventLog.open(Path.of(args[1]))) {
            List<BootEvent> events = new ArrayList<>();
            java.security.SecureRandom random = new java.security.SecureRandom();
            for (int i = 0; i < n; i++) {
                byte[] b = new byte[32];
                random.nextBytes(b);
                String nonce = HexFormat.of().formatHex(b);
                nonces.add(nonce);
                Optional<MacAddress> mac = Optional.of(BenchHpcs.mac(i));
                Instant now = Instant.now();
                BootEvent script = new BootEvent(now, mac, "bench", BootStage.SCRIPT_SERVED, Protocol.HTTP, "boot.ipxe", 300,
                        "ab".repeat(32), nonce, "script");
                events.add(script);
                events.add(script.delivered());
                events.add(new BootEvent(now, mac, "bench", BootStage.FILE_SERVED, Protocol.HTTP, "vmlinuz", 1000, KERNEL_SHA, nonce, "kernel"));
                events.add(new BootEvent(now, mac, "bench", BootStage.FILE_SERVED, Protocol.HTTP, "initrd.img", 2000, INITRD_SHA, nonce, "initrd"));
            }
            boots.recordAll(events);
        }
        List<Agent> agents = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String cmdline = "initrd=initrd.img leo.nonce=" + nonces.get(i) + " leo.server=127.0.0.1 console=ttyS0";
            AgentConfig cfg = new AgentConfig("127.0.0.1", Integer.parseInt(args[2]), Integer.parseInt(args[3]), args[4],
                    BenchHpcs.mac(i).toString(), cmdline, Duration.ofSeconds(5)).withLocalAddress(BenchHpcs.address(i));
            Agent a = new Agent(cfg, new BenchHost(cmdline), Map.of());
            agents.add(a);
            Thread t = new Thread(a, "agent-" + i);
            t.setDaemon(true);
            t.start();
            if (i % 50 == 49) {
                Thread.sleep(200); // enroll in waves, as a rack that boots over a few seconds
            }
        }
        System.out.println("STARTED " + n);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    /** A fixed, realistic-sized HPC state. */
    static final class BenchHost implements EvidenceSource {
        private final OsResult os;
        private final HardwareResult hw;
        private final NetworkResult net;

        BenchHost(String cmdline) {
            OsResult.Builder o = OsResult.newBuilder().setKernelCmdlineIncluded(true).setKernelCmdline(cmdline)
                    .setModulesIncluded(true).setProcessesIncluded(true);
            for (int i = 0; i < 40; i++) {
                o.addModules(KernelModule.newBuilder().setName("module_" + i).setSize(4096L * (i + 1)));
            }
            for (int i = 0; i < 60; i++) {
                o.addProcesses(ProcessInfo.newBuilder().setPid(i + 1).setPpid(1).setComm(i < 40 ? "kworker/" + i : "proc" + i)
                        .setExe(i < 40 ? "" : "/usr/bin/proc" + i).setExeSha256(i < 40 ? ByteString.EMPTY : ByteString.copyFrom(new byte[32]))
                        .setCmdline(i < 40 ? "" : "/usr/bin/proc" + i + " --flag"));
            }
            os = o.build();
            HardwareResult.Builder h = HardwareResult.newBuilder();
            for (int i = 0; i < 24; i++) {
                h.addDevices(Device.newBuilder().setBus(i < 12 ? "pci" : "block").setId("dev" + i).setDescription("8086:" + (1000 + i)));
            }
            hw = h.build();
            NetworkResult.Builder nb = NetworkResult.newBuilder()
                    .addInterfaces(NetInterface.newBuilder().setName("eth0").setMac("52:54:00:00:00:01").addAddresses("10.77.0.10/24").setUp(true))
                    .addRoutes(Route.newBuilder().setDestination("0.0.0.0/0").setGateway("10.77.0.1").setInterface("eth0"));
            for (int i = 0; i < 12; i++) {
                nb.addSockets(Socket.newBuilder().setProtocol("tcp").setLocal("0.0.0.0:" + (9000 + i)).setState("LISTEN"));
            }
            net = nb.build();
        }

        @Override
        public CheckResult answer(org.leo.protocol.attest.v1.Check check, byte[] nonce) {
            return switch (check.getKindCase()) {
                case OS -> CheckResult.newBuilder().setOs(os).build();
                case HARDWARE -> CheckResult.newBuilder().setHardware(hw).build();
                case NETWORK -> CheckResult.newBuilder().setNetwork(net).build();
                default -> CheckResult.newBuilder().setError(CheckError.newBuilder().setCheck(check.getKindCase().name()).setMessage("n/a")).build();
            };
        }
    }
}
