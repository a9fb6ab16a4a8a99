package org.leo.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.leo.agent.collect.HostPaths;
import org.leo.agent.collect.MemoryRegion;
import org.leo.protocol.tpm.TpmEndpoint;

/**
 * {@code leo-agent}: the HPC agent's command line. Everything it needs normally comes from the
 * measured kernel command line the Pi's boot script wrote; options override it.
 */
public final class AgentMain {
    static final String HELP = """
            Usage: leo-agent [OPTIONS]

            Attests this HPC to the Leo appliance (the Pi it booted from): enrolls once with the boot
            facts (the kernel command line's leo.nonce=, this machine's MAC), then keeps one mutually
            authenticated gRPC stream open and answers every challenge with signed evidence read from
            /proc, /sys, /dev and the running root file system. The key pair lives in RAM only: a
            restarted agent cannot enroll again until the HPC boots again.

            Defaults come from /proc/cmdline: leo.server=HOST, leo.ca=SHA256 (the appliance CA to pin),
            leo.attest=ENROLL-PORT:ATTEST-PORT.

            Options:
              --server HOST          the Pi's address (default: leo.server=)
              --enroll-port PORT     enrollment port (default: leo.attest= or 7443)
              --attest-port PORT     attestation port (default: leo.attest= or 7444)
              --ca SHA256            SHA-256 of the appliance CA certificate (default: leo.ca=)
              --interface IF         the interface towards the Pi (default: that of the default route)
              --mac MAC              this HPC's MAC (default: the address of --interface)
              --root DIR             read proc, sys, dev and root under DIR instead of / (tests)
              --tpm ENDPOINT         this HPC's TPM: device:/dev/tpmrm0 or swtpm:HOST:PORT
                                     (default: device:/dev/tpmrm0 when it exists, else none)
              --memory-region NAME=FILE:BASE:SIZE
                                     a memory region the policy may name (repeatable); FILE relative to proc
              --disk-threads N       threads hashing a disk (default: the number of CPUs)
              --cmdline ARGS         the kernel command line to report (default: proc/cmdline; tests)
              --task-engine SOCKET   run the tasks the Pi assigns on this dockerd (unix:///run/docker.sock);
                                     without it every task is refused
              --task-root DIR        a directory in RAM for the tasks' images and work tmpfs
                                     (default: /run/leo/tasks)
              --task-exec-root DIR   that dockerd's --exec-root (default: /var/run/docker)
              --help                 this text

            Environment and system properties:
              leo.agent.sha256=auto|libcrypto|jdk
                                     who computes the SHA-256 of disks and files: OpenSSL's libcrypto
                                     when it loads (auto, the default), or the JDK. The JVM options the
                                     HPC image runs the agent with are in hpc-agent/jvm.options.
              leo.task.engine, leo.task.root, leo.task.exec-root
                                     the defaults of --task-engine, --task-root and --task-exec-root
                                     (the argument file of leo image build-hpc --with-docker sets them)

            Exit status:
              0  stopped by SIGTERM or SIGINT
              1  cannot go on: enrollment refused, this boot enrolled already, or the certificate expired
              2  invalid options or no Pi to talk to
            """;

    private AgentMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Map<String, String> o = new HashMap<>();
        List<String> regions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.print(HELP);
                return 0;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                System.err.println("leo-agent: unexpected argument '" + a + "' (see --help)");
                return 2;
            }
            String v = args[++i];
            if (a.equals("--memory-region")) {
                regions.add(v);
            } else if (List.of("--server", "--enroll-port", "--attest-port", "--ca", "--interface", "--mac", "--root", "--tpm",
                    "--disk-threads", "--cmdline", "--task-engine", "--task-root", "--task-exec-root").contains(a)) {
                o.put(a.substring(2), v);
            } else {
                System.err.println("leo-agent: unknown option " + a + " (see --help)");
                return 2;
            }
        }
        for (String[] d : new String[][] {{"task-engine", "leo.task.engine"}, {"task-root", "leo.task.root"}, {"task-exec-root", "leo.task.exec-root"}}) {
            String v = System.getProperty(d[1]);
            if (v != null && !o.containsKey(d[0])) {
                o.put(d[0], v); // the image's argument file (leo image build-hpc --with-docker) names its engine
            }
        }
        try {
            HostPaths host = o.containsKey("root") ? HostPaths.under(Path.of(o.get("root"))) : HostPaths.real();
            String cmdline = o.containsKey("cmdline") ? o.get("cmdline") : Files.readString(host.proc().resolve("cmdline")).trim();
            org.leo.protocol.LeoCmdline leo = org.leo.protocol.LeoCmdline.parse(cmdline);
            leo.problems().forEach(p -> System.err.println("leo-agent: kernel command line: " + p));
            String server = o.getOrDefault("server", leo.server().map(AgentMain::stripPort).orElse(null));
            String ca = o.getOrDefault("ca", leo.ca().orElse(null));
            if (server == null || ca == null) {
                System.err.println("leo-agent: no Pi to attest to: the kernel command line has no leo.server= or leo.ca= (give --server and --ca)");
                return 2;
            }
            if (!PinnedServerTrust.isFingerprint(ca)) {
                System.err.println("leo-agent: the appliance CA to pin (--ca or leo.ca=) must be 64 hex digits, its certificate's SHA-256; got '"
                        + (ca.length() > 80 ? ca.substring(0, 80) + "..." : ca) + "'");
                return 2;
            }
            String[] ports = leo.attest().orElse("").split(":");
            int enroll = Integer.parseInt(o.getOrDefault("enroll-port", ports.length == 2 ? ports[0] : String.valueOf(AgentConfig.DEFAULT_ENROLL_PORT)));
            int attest = Integer.parseInt(o.getOrDefault("attest-port", ports.length == 2 ? ports[1] : String.valueOf(AgentConfig.DEFAULT_ATTEST_PORT)));
            String iface = o.getOrDefault("interface", defaultRouteInterface(host));
            String mac = o.get("mac");
            if (mac == null) {
                if (iface == null) {
                    System.err.println("leo-agent: no default route to find the interface towards the Pi (give --interface or --mac)");
                    return 2;
                }
                mac = Files.readString(host.sys().resolve("class/net").resolve(iface).resolve("address")).trim();
            }
            Map<String, MemoryRegion> mem = new HashMap<>();
            for (String r : regions) {
                String[] nv = r.split("=", 2);
                String[] f = nv.length == 2 ? nv[1].split(":") : new String[0];
                if (f.length != 3) {
                    System.err.println("leo-agent: --memory-region " + r + ": expected NAME=FILE:BASE:SIZE");
                    return 2;
                }
                mem.put(nv[0], new MemoryRegion(Path.of(f[0]), Long.decode(f[1]), Long.decode(f[2])));
            }
            Optional<TpmEndpoint> tpm = o.containsKey("tpm") ? Optional.of(TpmEndpoint.parse(o.get("tpm")))
                    : Files.exists(host.dev().resolve("tpmrm0")) ? Optional.of(TpmEndpoint.parse("device:" + host.dev().resolve("tpmrm0")))
                    : Optional.empty();
            int threads = Integer.parseInt(o.getOrDefault("disk-threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
            AgentConfig cfg = new AgentConfig(server, enroll, attest, ca, mac, cmdline, Duration.ofSeconds(30));
            Agent agent = new Agent(cfg, new HostEvidence(host, mem, tpm, threads,
                    Optional.ofNullable(o.get("task-engine")).map(java.net.URI::create),
                    Path.of(o.getOrDefault("task-root", "/run/leo/tasks")).resolve("work")), Map.of());
            // With a TPM the enrollment is measured: the firmware's event log proves what booted (docs/trust-model.md).
            tpm.ifPresent(t -> agent.measuredBy(new MeasuredEnrollment(t, host.sys().resolve("kernel/security/tpm0/binary_bios_measurements"))));
            if (o.containsKey("task-engine")) {
                Path root = Path.of(o.getOrDefault("task-root", "/run/leo/tasks"));
                org.leo.agent.task.Sandbox sandbox = org.leo.agent.task.Sandbox.connect(new org.leo.agent.task.SandboxConfig(
                        java.net.URI.create(o.get("task-engine")), root.resolve("work"), Path.of(o.getOrDefault("task-exec-root", "/var/run/docker"))));
                agent.runsTasks(new org.leo.agent.task.TaskRunner(sandbox, root.resolve("images")));
            }
            AtomicReference<AgentState> last = new AtomicReference<>();
            agent.onState(last::set);
            Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "leo-agent-stop"));
            System.err.println("leo-agent " + Agent.VERSION + ": HPC " + mac + " attests to " + server + ":" + enroll + "/" + attest
                    + (tpm.map(t -> " with TPM " + t).orElse(" (no TPM)")) + "; SHA-256 by " + org.leo.agent.collect.Digests.engine());
            agent.run();
            return last.get() instanceof AgentState.Failed ? 1 : 0;
        } catch (IOException | RuntimeException | org.leo.agent.task.SandboxException e) {
            System.err.println("leo-agent: " + e.getMessage());
            return 2;
        }
    }

    static String stripPort(String hostPort) {
        if (hostPort == null) {
            return null;
        }
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 && hostPort.indexOf(':') == colon ? hostPort.substring(0, colon) : hostPort;
    }

    /** The interface of the IPv4 default route in proc/net/route, or null. */
    static String defaultRouteInterface(HostPaths host) throws IOException {
        Path route = host.proc().resolve("net/route");
        if (!Files.exists(route)) {
            return null;
        }
        for (String line : Files.readAllLines(route)) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[1].equals("00000000") && !f[0].equals("Iface")) {
                return f[0];
            }
        }
        return null;
    }
}
