package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;
import org.leo.boot.net.MacAddress;
import org.leo.boot.manifest.ManifestTool;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.ServerProcess;
import org.leo.pxe.vm.TimedLine;
import org.leo.protocol.tpm.SwtpmProcess;

/**
 * A fleet of real appliances for system tests: {@code n} packaged {@code leo pxe serve --attest --fleet}
 * processes, one per Pi namespace of a {@link FleetNetwork}, each with its own swtpm (in its namespace)
 * and data directory, sharing one anvil chain (in the switch namespace) through the LeoLedger contract
 * that {@code leo ledger deploy} put there. Each Pi's HPC is a real agent process ({@code AgentMain}
 * over a crafted host tree) in the HPC namespace, which got its address from the Pi's DHCP server
 * (busybox udhcpc) and its kernel, initramfs and boot script from the Pi's HTTP boot server (curl),
 * so it enrolls with a real boot session. The peer list is what {@code leo fleet identity} printed on
 * each Pi, Pi 1's line first: Pi 1 founds the fleet, the others join through it.
 */
final class LeoFleet implements AutoCloseable {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    /** The anvil binary itself (not npm's node wrapper, which would leave it running when ended by PID). */
    static final Path ANVIL = java.util.stream.Stream.of(
                    "consensus-service/node_modules/@foundry-rs/anvil-linux-"
                            + (System.getProperty("os.arch").matches("aarch64|arm64") ? "arm64" : "amd64") + "/bin/anvil",
                    "consensus-service/node_modules/@foundry-rs/anvil/anvil") // where its postinstall puts it without the platform package
            .map(REPO::resolve).filter(Files::isExecutable).findFirst().orElse(REPO.resolve("consensus-service/node_modules/.bin/anvil"));
    static final Path AGENT_JAR = REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar");
    static final Path AGENT_LIB = REPO.resolve("hpc-agent/target/agent-lib");
    static final long CHAIN_ID = 31337;
    static final int ANVIL_PORT = 8545;
    static final int FLEET_PORT = 7450;
    static final int HTTP_PORT = 8080;
    /** anvil's dev accounts 0..9 (the public "test test ... junk" mnemonic); account 0 deploys and owns the contract. */
    static final List<String> DEV_KEYS = List.of(
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
            "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
            "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
            "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
            "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e");
    /** The JVM options of the Pis in this test: small heaps and C1 only, so 14 JVMs share two cores. */
    static final List<String> PI_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1");
    static final Duration START = Duration.ofSeconds(180);

    /** Skips the test (JUnit assumption) unless a fleet can run here: root, the tools, swtpm, anvil and the packaged jars. */
    static void assumeRunnable() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(LeoPxeServer.JAR),
                "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        org.junit.jupiter.api.Assumptions.assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"),
                "needs root (network namespaces)");
        for (String tool : List.of("ip", "nft", "busybox", "curl")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Exec.onPath(tool), tool + " is not installed: scripts/install-deps");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(SwtpmProcess.installed(), "swtpm (each Pi's TPM) is not installed: scripts/install-deps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(ANVIL),
                "anvil is missing (" + ANVIL + "): the consensus-service build's npm ci installs it");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(AGENT_JAR), "the agent jar is missing: run mvn verify");
    }

    /** A certificate as the HPC's Pi logged it when it recorded it. */
    record Certificate(long round, MacAddress hpc, String head, String outcome, int votes, long ledgerSeq) {
        static final Pattern LINE = Pattern.compile("consensus: round (\\d+) of HPC (\\S+) at head ([0-9a-f]+)\\.\\. closed: "
                + "(TRUSTED|UNTRUSTED) with (\\d+) vote\\(s\\), ledger entry #(\\d+)");

        static Optional<Certificate> of(String line) {
            Matcher m = LINE.matcher(line);
            return m.find() ? Optional.of(new Certificate(Long.parseLong(m.group(1)), MacAddress.parse(m.group(2)), m.group(3), m.group(4),
                    Integer.parseInt(m.group(5)), Long.parseLong(m.group(6)))) : Optional.empty();
        }
    }

    /**
     * What a fleet is built with beyond its size and schedule.
     *
     * @param bootRoot  the boot root every Pi serves (manifest signed here); null: placeholder files (the crafted HPCs fetch
     *                  but never run them)
     * @param policy    the attestation policy file's text, the same on every Pi
     * @param agentHpcs the Pis whose HPC is a crafted host read by a real agent, booted by {@link #LeoFleet}; the others' HPC
     *                  namespaces are left to the test (a QEMU VM on a bridge there, or nothing)
     * @param piArgs    more {@code leo pxe serve} options per Pi (e.g. its HPC's {@code --power})
     * @param servePis  the Pis that run {@code leo serve} (the service with the operator's port; their {@code piArgs} give
     *                  its {@code --web-port}, {@code --web-address} and {@code --users}) instead of {@code leo pxe serve}
     */
    record Setup(Path bootRoot, String policy, java.util.Set<Integer> agentHpcs, java.util.Map<Integer, List<String>> piArgs,
                 java.util.Set<Integer> servePis) {
        Setup(Path bootRoot, String policy, java.util.Set<Integer> agentHpcs, java.util.Map<Integer, List<String>> piArgs) {
            this(bootRoot, policy, agentHpcs, piArgs, java.util.Set.of());
        }

        /** Placeholder boot files and a crafted agent HPC behind every Pi, which has no TPM of its own. */
        static Setup craftedHpcs(int n) {
            return new Setup(null, "tpm.required=false\n", java.util.stream.IntStream.rangeClosed(1, n).boxed().collect(java.util.stream.Collectors.toSet()),
                    java.util.Map.of());
        }
    }

    final FleetNetwork net;
    final Path run;
    final List<String> schedule;
    final Setup setup;
    final Pi[] pis;
    final Hpc[] hpcs;
    ServerProcess anvil;
    String contract;

    /** One appliance: its namespace, TPM, data directory, EVM key and, while it runs, its process. */
    final class Pi {
        final int i;
        final Path dir;
        final SwtpmProcess tpm;
        final Path evmKey;
        ServerProcess process;
        String memberHex;

        Pi(int i) throws IOException {
            this.i = i;
            this.dir = run.resolve("pi" + i);
            Files.createDirectories(dir);
            this.tpm = SwtpmProcess.startWith(List.of("ip", "netns", "exec", net.piNs(i)));
            this.evmKey = dir.resolve("evm.key");
            Files.writeString(evmKey, DEV_KEYS.get(i - 1) + "\n");
            Files.setPosixFilePermissions(evmKey, PosixFilePermissions.fromString("rw-------"));
        }

        String tpmEndpoint() {
            return "swtpm:127.0.0.1:" + tpm.port();
        }

        Path data() {
            return dir.resolve("data");
        }

        MacAddress hpc() {
            return net.hpcMac(i);
        }

        String hpcAddress() {
            return "10.79." + i + ".10";
        }

        /** Starts (or restarts, over the same data directory and TPM) {@code leo pxe serve} or {@code leo serve}; waits until it is ready. */
        void start(Path bootRoot, Path manifest, Path publicKey, Path policy, Path peers) throws IOException {
            List<String> command = setup.servePis().contains(i) ? List.of("serve") : List.of("pxe", "serve");
            List<String> argv = new ArrayList<>(List.of("java"));
            argv.addAll(PI_JVM);
            argv.addAll(List.of("-jar", LeoPxeServer.JAR.toAbsolutePath().toString()));
            argv.addAll(command);
            argv.addAll(List.of(
                    "--interface", net.piHpcInterface(), "--enroll", hpc() + "=" + hpcAddress(),
                    "--boot-mode", "http", "--no-tftp", "--no-ra", "--no-warmup", "--http-port", Integer.toString(HTTP_PORT),
                    "--boot-root", bootRoot.toString(), "--manifest", manifest.toString(), "--public-key", publicKey.toString(),
                    "--data-dir", data().toString(),
                    "--attest", "--attest-policy", policy.toString(), "--tpm", tpmEndpoint(),
                    "--fleet", "--fleet-listen", net.piFleetAddress(i) + ":" + FLEET_PORT, "--fleet-peers", peers.toString()));
            argv.addAll(schedule);
            argv.addAll(setup.piArgs().getOrDefault(i, List.of()));
            argv.addAll(evm());
            argv.addAll(List.of("--evm-key-file", evmKey.toString()));
            process = net.start(net.piNs(i), "pi" + i, dir.resolve("leo-" + System.nanoTime() + ".log"), argv.toArray(String[]::new));
            process.awaitReady(Pattern.compile(Pattern.quote("leo " + String.join(" ", command) + ": ready")), START);
        }

        /** The certificates this Pi recorded for its HPC, from its log, from line {@code from} on. */
        List<Certificate> certificates(int from) {
            List<TimedLine> lines = process.output().lines();
            return lines.subList(Math.min(from, lines.size()), lines.size()).stream().map(l -> Certificate.of(l.text())).flatMap(Optional::stream)
                    .toList();
        }

        int lines() {
            return process.output().lines().size();
        }

        /** Waits (bounded) for this Pi to record a certificate with {@code outcome} for its HPC after log line {@code from}. */
        Certificate awaitCertificate(String outcome, int from, Duration timeout) throws IOException, InterruptedException {
            Pattern p = Pattern.compile(Certificate.LINE.pattern().replace("(TRUSTED|UNTRUSTED)", outcome));
            Optional<TimedLine> l = process.output().await(p, from, timeout, () -> !process.isAlive());
            if (l.isEmpty()) {
                throw new AssertionError("Pi " + i + " recorded no " + outcome + " certificate for HPC " + hpc() + " within " + timeout
                        + "; its certificates so far: " + certificates(0) + "\nits log's last lines:\n" + tail(40));
            }
            return Certificate.of(l.get().text()).orElseThrow();
        }

        String tail(int n) {
            List<TimedLine> lines = process.output().lines();
            StringBuilder b = new StringBuilder();
            lines.subList(Math.max(0, lines.size() - n), lines.size()).forEach(l -> b.append("  ").append(l.text()).append('\n'));
            return b.toString();
        }
    }

    /** Runs a command where a simulated HPC is (its network namespace), bounded by {@code timeout}. */
    interface HpcShell {
        Exec.Result run(Duration timeout, String... command) throws IOException;
    }

    /**
     * A simulated HPC's network boot as far as its agent needs, wherever the HPC is ({@code sh}): a DHCP lease on
     * {@code iface} (busybox udhcpc, with a script written in {@code dir}), the per-boot script from {@code server}, its
     * kernel and initramfs over HTTP (curl). Returns the kernel command line the script gives.
     */
    static String netBoot(String name, Path dir, String iface, String server, HpcShell sh) throws IOException {
        Path script = dir.resolve("udhcpc.sh");
        Files.writeString(script, """
                #!/bin/sh
                case "$1" in
                  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface" ;;
                  deconfig) ip addr flush dev "$interface" ;;
                esac
                exit 0
                """, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Exec.Result dhcp = sh.run(Duration.ofSeconds(60), "busybox", "udhcpc", "-f", "-q", "-n", "-i", iface, "-s", script.toString(), "-t", "20",
                "-T", "1");
        if (dhcp.exitCode() != 0) {
            throw new IOException(name + ": no DHCP lease: " + dhcp.output());
        }
        Exec.Result s = sh.run(Duration.ofSeconds(30), "curl", "-sS", "--fail", "--max-time", "20", server + "/boot.ipxe");
        if (s.exitCode() != 0) {
            throw new IOException(name + ": no boot script: " + s.output());
        }
        String cmdline = null;
        for (String line : s.output().split("\n")) {
            String[] f = line.strip().split("\\s+", 3);
            if (f[0].equals("kernel") || f[0].equals("initrd")) {
                Exec.Result get = sh.run(Duration.ofSeconds(60), "curl", "-sS", "--fail", "--max-time", "50", "-o", "/dev/null", f[1]);
                if (get.exitCode() != 0) {
                    throw new IOException(name + ": " + f[1] + ": " + get.output());
                }
                if (f[0].equals("kernel")) {
                    cmdline = f.length > 2 ? f[2] : "";
                }
            }
        }
        if (cmdline == null) {
            throw new IOException(name + ": the boot script has no kernel line:\n" + s.output());
        }
        return cmdline;
    }

    /** One HPC: a crafted host tree read by a real agent process in the HPC's namespace. */
    final class Hpc {
        final int i;
        final Path dir;
        final HostPaths host;
        ServerProcess agent;

        Hpc(int i) {
            this.i = i;
            this.dir = run.resolve("hpc" + i);
            this.host = CraftedHost.copyTo(dir.resolve("host"));
        }

        /**
         * Boots over the network as far as the agent needs: a DHCP lease (busybox udhcpc), the per-boot script, the kernel
         * and the initramfs over HTTP (curl); then starts the agent with the script's kernel command line.
         */
        void boot() throws IOException {
            String ns = net.hpcNs(i);
            String cmdline = netBoot("HPC " + i, dir, net.hpcInterface(), "http://" + net.piHpcAddress(i) + ":" + HTTP_PORT,
                    (timeout, command) -> net.run(ns, timeout, command));
            startAgent(cmdline);
        }

        private void startAgent(String cmdline) throws IOException {
            // the kernel the HPC booted got this command line: the agent reports it from proc/cmdline
            Files.writeString(host.proc().resolve("cmdline"), cmdline + "\n");
            List<String> argv = new ArrayList<>(List.of("java"));
            argv.addAll(Files.readAllLines(REPO.resolve("hpc-agent/jvm.options")).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
            argv.addAll(List.of("-cp", AGENT_JAR + ":" + AGENT_LIB + "/*", "org.leo.agent.AgentMain", "--root", dir.resolve("host").toString(),
                    "--mac", net.hpcMac(i).toString(), "--disk-threads", "1"));
            agent = net.start(net.hpcNs(i), "agent" + i, dir.resolve("agent.log"), argv.toArray(String[]::new));
        }

        /** Plugs a USB stick into the crafted host: the next evidence shows it (finding hardware.usb.added). */
        void plugUsbStick() throws IOException {
            CraftedHost.plugUsbStick(host);
        }
    }

    /**
     * Builds the fleet: network, chain, TPMs, identities, contract and accounts, the appliances (Pi 1 first: it founds
     * the fleet), then boots every HPC and waits until each agent's attestation stream is open.
     *
     * @param schedule the {@code --fleet-*} schedule options every Pi gets
     */
    LeoFleet(Path run, int n, List<String> schedule) throws Exception {
        this(run, n, schedule, Setup.craftedHpcs(n));
    }

    /** A fleet as {@code setup} says (see {@link Setup}); the HPCs not in {@code setup.agentHpcs()} are the caller's. */
    LeoFleet(Path run, int n, List<String> schedule, Setup setup) throws Exception {
        this.run = run;
        this.schedule = List.copyOf(schedule);
        this.setup = setup;
        this.net = FleetNetwork.create(n);
        this.pis = new Pi[n + 1];
        this.hpcs = new Hpc[n + 1];
        try {
            build(n);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    List<String> evm() {
        return List.of("--evm-rpc", "http://" + net.switchAddress() + ":" + ANVIL_PORT, "--evm-chain-id", Long.toString(CHAIN_ID),
                "--evm-contract", contract);
    }

    /** Runs {@code leo ARGS...} to completion in Pi {@code i}'s namespace; fails on a non-zero exit. */
    String leo(int i, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString()));
        argv.addAll(List.of(args));
        Exec.Result r = Exec.run(Duration.ofSeconds(120), net.inNs(net.piNs(i), argv.toArray(String[]::new)));
        if (r.exitCode() != 0) {
            throw new IOException("leo " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
        }
        return r.output();
    }

    private void build(int n) throws Exception {
        anvil = net.start(net.switchNs(), "anvil", run.resolve("anvil.log"), ANVIL.toString(), "--host", net.switchAddress(), "--port",
                Integer.toString(ANVIL_PORT), "--block-time", "1", "--accounts", "10");
        anvil.awaitReady(Pattern.compile("Listening on"), Duration.ofSeconds(60));

        Path bootRoot = setup.bootRoot() != null ? setup.bootRoot() : E2eFiles.placeholderBootRoot(run.resolve("boot"));
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(run.resolve("keys"));
        Path manifest = run.resolve("boot.manifest");
        ManifestTool.create(bootRoot, keys.privateKey(), manifest, "fleet-test-image");
        Path policy = run.resolve("policy.properties");
        // the HPCs here have no TPM of their own (their TPM boot is MeasuredBootIT's): they enroll with the boot facts
        Files.writeString(policy, setup.policy());

        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            pis[i] = new Pi(i);
            String out = leo(i, "fleet", "identity", "--data-dir", pis[i].data().toString(), "--tpm", pis[i].tpmEndpoint(), "--address",
                    net.piFleetAddress(i) + ":" + FLEET_PORT, "--mac", pis[i].hpc().toString(), "--evm-key-file", pis[i].evmKey.toString());
            peers.append(out.lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*")).map(l -> l + "\n").reduce("", String::concat));
            pis[i].memberHex = out.lines().filter(l -> l.matches("^[0-9a-f]{64} .*")).findFirst().orElseThrow().substring(0, 64);
        }
        Path peersFile = run.resolve("fleet-peers");
        Files.writeString(peersFile, peers.toString());

        String deployed = leo(1, "ledger", "deploy", "--evm-rpc", "http://" + net.switchAddress() + ":" + ANVIL_PORT, "--evm-chain-id",
                Long.toString(CHAIN_ID), "--evm-key-file", pis[1].evmKey.toString());
        contract = deployed.lines().filter(l -> l.startsWith("contract ")).findFirst().orElseThrow().substring("contract ".length()).strip();
        List<String> admit = new ArrayList<>(List.of("ledger", "admit-account"));
        admit.addAll(evm());
        admit.addAll(List.of("--evm-key-file", pis[1].evmKey.toString()));
        peers.toString().lines().filter(l -> l.startsWith("# evm-account ")).skip(1).forEach(l -> admit.add(l.substring("# evm-account ".length())));
        leo(1, admit.toArray(String[]::new));

        for (int i = 1; i <= n; i++) {
            pis[i].start(bootRoot, manifest, keys.publicKey(), policy, peersFile);
        }
        for (int i : setup.agentHpcs()) {
            hpcs[i] = new Hpc(i);
            hpcs[i].boot();
        }
        for (int i : setup.agentHpcs()) {
            awaitStreamOpen(i);
        }
    }

    /**
     * Boots HPC {@code i} (one left out of {@link Setup#agentHpcs()}) as the fleet boots the others: a crafted host read
     * by a real agent; returns once its attestation stream is open.
     */
    Hpc bootAgentHpc(int i) throws IOException, InterruptedException {
        if (hpcs[i] != null) {
            throw new IllegalStateException("HPC " + i + " is already booted");
        }
        hpcs[i] = new Hpc(i);
        hpcs[i].boot();
        awaitStreamOpen(i);
        return hpcs[i];
    }

    /** Boots HPC {@code i}'s agent again (a new boot: a new lease, boot script and nonce, a new agent and key). */
    Hpc rebootAgentHpc(int i) throws IOException, InterruptedException {
        if (hpcs[i] == null) {
            throw new IllegalStateException("HPC " + i + " has not booted");
        }
        hpcs[i].agent.stop();
        int from = pis[i].process.output().lines().size();
        hpcs[i].boot();
        awaitStreamOpen(i, from);
        return hpcs[i];
    }

    private void awaitStreamOpen(int i) throws IOException, InterruptedException {
        awaitStreamOpen(i, 0);
    }

    private void awaitStreamOpen(int i, int fromLine) throws IOException, InterruptedException {
        Pattern open = Pattern.compile("HPC " + Pattern.quote(pis[i].hpc().toString()) + ": attestation stream open");
        if (pis[i].process.output().await(open, fromLine, START, () -> false).isEmpty()) {
            throw new IOException("HPC " + i + "'s agent never opened its attestation stream; Pi log:\n" + pis[i].tail(40)
                    + "agent log:\n" + String.join("\n", hpcs[i].agent.output().lines().stream().map(TimedLine::text).toList()));
        }
    }

    @Override
    public void close() {
        for (Hpc h : hpcs) {
            if (h != null && h.agent != null) {
                h.agent.stop();
            }
        }
        for (Pi p : pis) {
            if (p != null) {
                if (p.process != null) {
                    p.process.stop();
                }
                p.tpm.close();
            }
        }
        if (anvil != null) {
            anvil.stop();
        }
        net.close();
    }
}
