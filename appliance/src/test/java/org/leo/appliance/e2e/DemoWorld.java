package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.leo.appliance.service.Users;
import org.leo.pxe.vm.TimedLine;
import org.leo.pxe.vm.QemuVm;

/**
 * The whole product on this machine, for a person to look at (scripts/demo): four appliances in network namespaces
 * (leoq-*) sharing a local anvil chain; Pi 1 runs {@code leo serve} with the dashboard, and its HPC is a disk-less QEMU
 * VM that network-boots the measured image and is attested; Pis 2 to 4 serve HPCs simulated by real agents over crafted
 * hosts, so every round of Pi 1's HPC gets a committee and a certificate. The dashboard is forwarded to
 * 127.0.0.1:{@code DEMO_PORT} on the host (socat). Prints the URL, a login and what to try, then runs until Ctrl-C (or
 * SIGTERM), which tears everything down: namespaces, processes, the run directory's mounts.
 *
 * <p>Environment: {@code DEMO_PORT} (8080), {@code DEMO_HPC=vm|agent} (agent: Pi 1's HPC is a crafted agent too, no
 * image build and no VM: what DemoIT runs), {@code DEMO_KEEP=1} (keep the run directory). The run directory is linked
 * from {@code $TMPDIR/leo-demo/current}, which {@code scripts/demo tamper} reads.
 */
public final class DemoWorld implements AutoCloseable {
    static final Path LINK = Path.of(System.getProperty("java.io.tmpdir"), "leo-demo", "current");
    /** Pi 1's operator port inside its namespace. */
    static final int WEB_PORT = 9080;
    static final Duration READY = Duration.ofMinutes(15);
    static final List<String> SCHEDULE = List.of("--fleet-round-period", "30", "--fleet-challenge-spread", "2", "--fleet-round-deadline", "20",
            "--fleet-verdict-grace", "5");
    /** A demonstration policy: frequent challenges; hardware and disk findings are critical and power-cycle the HPC. */
    static final String POLICY = String.join("\n", "challenge.mean-seconds=8", "challenge.min-seconds=2", "challenge.max-seconds=20",
            "challenge.deadline-seconds=120", "check.hardware.probability=1",
            // the image's own churn (kernel threads, sockets) is recorded, not acted on
            "severity.os=warning", "severity.network=warning", "severity.hardware=critical", "severity.disk=critical",
            "action.critical=record,alert,power-cycle", "action.cooldown-seconds=60", "tpm.required=false", "");
    private static final Pattern SHOWN = Pattern.compile("enrolled|attestation stream open|published the reference|finding|power-cycl|"
            + "closed: (TRUSTED|UNTRUSTED)|refused|ERROR");

    final Path run;
    final boolean vmHpc;
    final int port;
    final String password;
    private final List<AutoCloseable> opened = new ArrayList<>();
    LeoFleet fleet;
    Process forward;
    private Thread tail;

    private DemoWorld(Path run, boolean vmHpc, int port) {
        this.run = run;
        this.vmHpc = vmHpc;
        this.port = port;
        byte[] raw = new byte[9];
        new SecureRandom().nextBytes(raw);
        this.password = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    static void say(String text) {
        System.out.println("demo: " + text);
        System.out.flush();
    }

    /** A world not started yet: {@link #build} starts it. */
    static DemoWorld create(boolean vmHpc, int port) throws IOException {
        return new DemoWorld(Files.createTempDirectory("leoq-demo-"), vmHpc, port);
    }

    /** Builds and starts the world; returns once Pi 1's HPC is attested. */
    void build() throws Exception {
        LeoFleet.assumeRunnable();
        Files.createDirectories(LINK.getParent());
        Files.deleteIfExists(LINK);
        Files.createSymbolicLink(LINK, run);
        say("run directory " + run + " (linked from " + LINK + ")");
        Path users = run.resolve("users");
        Users.put(users, "operator", Set.of("operator", "viewer"), password.toCharArray());

        Path bootRoot = null;
        if (vmHpc) {
            say("[1/5] building the measured HPC image (Debian kernel, busybox, a jlink'd Java, the agent; packages cached after the first run)");
            bootRoot = TaskDemoIT.buildImage(run, false, "leo-hpc-demo");
        } else {
            say("[1/5] Pi 1's HPC is a crafted host read by a real agent (DEMO_HPC=agent): no image to build");
        }
        Path qmp = run.resolve("qmp.sock");
        List<String> pi1 = new ArrayList<>(List.of("--web-port", Integer.toString(WEB_PORT), "--web-address", "127.0.0.1", "--users",
                users.toString()));
        // the other Pis' share of the credit must beat the TRUSTED threshold (2/3 of the expected committee) in every round:
        // six verifiers do, as in FleetIT; three only by chance. The quick form (no VM) does not need certificates.
        int n = Integer.parseInt(System.getenv().getOrDefault("DEMO_PIS", vmHpc ? "7" : "4"));
        Set<Integer> agents = new java.util.TreeSet<>();
        for (int i = vmHpc ? 2 : 1; i <= n; i++) {
            agents.add(i);
        }
        if (vmHpc) {
            pi1.addAll(List.of("--power", "52:54:00:78:00:01=qemu:" + qmp));
        }
        // the dashboard's quarantine takes Pi 1's HPC-side link down (and up again on release)
        pi1.addAll(List.of("--cut-network", "52:54:00:78:00:01=link:" + FleetNetwork.PI_HPC_IF));
        say("[2/5] starting " + n + " appliances in network namespaces (leoq-p1.." + n + "), each with its swtpm, on one anvil chain; "
                + "Pi 1 runs leo serve");
        fleet = new LeoFleet(Files.createDirectories(run.resolve("fleet")), n, SCHEDULE,
                new LeoFleet.Setup(bootRoot, POLICY, agents, Map.of(1, pi1), Set.of(1)));
        opened.add(fleet);
        tailPi1();

        say("[3/5] forwarding the dashboard to http://127.0.0.1:" + port + "/ (socat into leoq-p1)");
        forward = new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork",
                "EXEC:ip netns exec " + fleet.net.piNs(1) + " socat STDIO TCP\\:127.0.0.1\\:" + WEB_PORT)
                .redirectErrorStream(true).redirectOutput(run.resolve("socat.log").toFile()).start();

        if (vmHpc) {
            say("[4/5] powering on Pi 1's HPC: a disk-less QEMU VM (software emulation) that network-boots the image; about a minute");
            QemuVm vm = TaskDemoIT.startVm(fleet, run, qmp, 1024, "-device", "qemu-xhci,id=xhci",
                    "-monitor", "unix:" + run.resolve("hmp.sock") + ",server=on,wait=off");
            opened.add(vm);
        } else {
            say("[4/5] Pi 1's agent HPC is up");
        }
        say("[5/5] waiting for HPC 52:54:00:78:00:01 to be attested (enrolled, baselined, clean), as the dashboard's API says");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String auth = "Basic " + java.util.Base64.getEncoder().encodeToString(("operator:" + password).getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + READY.toNanos();
        while (true) {
            try {
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + port + "/api/hpcs")).header("Authorization", auth).timeout(Duration.ofSeconds(10)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"stage\":\"ATTESTED\"")) {
                    break;
                }
            } catch (IOException notYet) {
                // the forward or the port is not up yet
            }
            if (System.nanoTime() > deadline || !fleet.pis[1].process.isAlive()) {
                throw new IOException("Pi 1's HPC was not attested within " + READY + "; Pi 1's log:\n" + fleet.pis[1].tail(40));
            }
            Thread.sleep(1000);
        }
    }

    /** Pi 1's notable log lines, as they come. */
    private void tailPi1() {
        tail = new Thread(() -> {
            int seen = 0;
            while (!Thread.currentThread().isInterrupted()) {
                List<TimedLine> lines = fleet.pis[1].process.output().lines();
                for (TimedLine l : lines.subList(seen, lines.size())) {
                    if (SHOWN.matcher(l.text()).find()) {
                        System.out.println("  pi1 | " + l.text());
                    }
                }
                seen = lines.size();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "demo-tail");
        tail.setDaemon(true);
        tail.start();
    }

    void printGuide() {
        say("ready.");
        System.out.println();
        System.out.println("  dashboard   http://127.0.0.1:" + port + "/   user: operator   password: " + password);
        System.out.println("  metrics     http://127.0.0.1:" + port + "/metrics     health: http://127.0.0.1:" + port + "/q/health/ready");
        System.out.println();
        System.out.println("  try:  scripts/demo tamper usb    plug a USB stick into the HPC (QEMU monitor); watch the dashboard: a critical");
        System.out.println("                                   finding, the power-cycle, an UNTRUSTED certificate, then the HPC attested again");
        System.out.println("        scripts/demo tamper disk   write 4 KiB into its scratch disk... (nic: hot-plug a NIC)");
        System.out.println("        a power-cycle or a quarantine from the dashboard's HPC page (as operator)");
        System.out.println();
        System.out.println("  Ctrl-C stops everything and removes what the demo made.");
        System.out.flush();
    }

    @Override
    public void close() {
        say("stopping: the appliances, the HPCs, the chain, the network namespaces");
        if (tail != null) {
            tail.interrupt();
        }
        if (forward != null) {
            forward.descendants().forEach(ProcessHandle::destroy);
            forward.destroy();
            try {
                forward.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                System.err.println("demo: stopping " + opened.get(i) + ": " + e);
            }
        }
        // whatever this JVM started and is still running (stopped half-way through the build): end it too
        List<ProcessHandle> left = ProcessHandle.current().descendants().toList();
        left.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : left) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
        try {
            if (Files.isSymbolicLink(LINK) && Files.readSymbolicLink(LINK).equals(run)) {
                Files.delete(LINK);
            }
            if (!"1".equals(System.getenv("DEMO_KEEP"))) {
                deleteTree(run);
            }
        } catch (IOException e) {
            System.err.println("demo: cleaning up " + run + ": " + e);
        }
        say("stopped; nothing left running" + ("1".equals(System.getenv("DEMO_KEEP")) ? " (kept " + run + ")" : ""));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        boolean vm = !"agent".equals(System.getenv().getOrDefault("DEMO_HPC", "vm"));
        int port = Integer.parseInt(System.getenv().getOrDefault("DEMO_PORT", "8080"));
        CountDownLatch stop = new CountDownLatch(1);
        DemoWorld[] world = new DemoWorld[1];
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            synchronized (world) {
                if (world[0] != null) {
                    world[0].close();
                    world[0] = null;
                }
            }
            closed.countDown();
        }, "demo-stop"));
        DemoWorld w = create(vm, port);
        synchronized (world) {
            world[0] = w;
        }
        try {
            w.build();
        } catch (Exception | Error e) {
            System.err.println("demo: failed: " + e.getMessage());
            System.exit(1); // the hook stops what was started
            return;
        }
        w.printGuide();
        stop.await();
        closed.await(2, TimeUnit.MINUTES);
    }
}
