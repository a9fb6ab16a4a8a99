package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.task.DockerdProcess;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.ServerProcess;
import org.leo.pxe.vm.TimedLine;

/**
 * Pis for the Ansible collection ({@code ansible/}, docs/ansible.md) to provision: {@code n} containers of a clean Debian
 * bookworm root ({@link DebianRoot#PI}) on a private dockerd, each with systemd as PID 1 and sshd, reached by
 * {@code ansible-playbook} over ssh with a key made here. The dockerd, its bridge network (the fleet's LAN,
 * {@value #LAN}.0/24), the anvil chain and every playbook run live in one network namespace of this harness's
 * ({@code leoa-PID}): nothing is added to the host's network.
 *
 * <p>What stands for each Pi's hardware: the HPC-facing port {@code hpc0} (a veth whose peer is in the Pi's network
 * namespace {@code hpc}, address 10.79.I.1/24), made before Ansible runs, as a NIC would be there. The simulated HPC of
 * the Pi with {@code leo_hpcs} is that namespace: busybox udhcpc against the Pi's DHCP server, the boot script and files
 * over HTTP with curl, then the real agent over a crafted host tree ({@link #bootHpc}).
 *
 * <p>Why not {@code --privileged}: it asks runc for every capability, and this machine's bounding set lacks
 * CAP_SYS_RESOURCE, so runc fails ("unable to apply caps"). The containers get every capability but that one,
 * unconfined seccomp, AppArmor and system paths, a private cgroup namespace and tmpfs on /run: enough for systemd, for
 * the unit's sandboxing (its mount namespaces, seccomp filter and capabilities) and for {@code ip netns}.
 */
final class AnsiblePis implements AutoCloseable {
    static final Path REPO = LeoFleet.REPO;
    static final Path ANSIBLE = REPO.resolve("ansible");
    static final String LAN = "10.87.0";
    static final String GATEWAY = LAN + ".1";
    static final int ANVIL_PORT = 8545;
    static final String OPERATOR = "olga";
    static final String OPERATOR_PASSWORD = "olga-correct-horse";
    /** A PLAY RECAP line of ansible-playbook. */
    static final Pattern RECAP = Pattern.compile("^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)", Pattern.MULTILINE);
    private static final Duration STEP = Duration.ofMinutes(2);

    /** One host's counts from the PLAY RECAP. */
    record HostRecap(int ok, int changed, int unreachable, int failed) { }

    /** A playbook run: its exit status, output, the recap per host and how long it took. */
    record Run(int exitCode, String output, Map<String, HostRecap> recap, Duration took) {
        String tail(int lines) {
            List<String> all = output.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    final int n;
    final Path run;
    final String ns;
    final Path deb;
    final String[] pis;
    DockerdProcess dockerd;
    DockerCli docker;
    ServerProcess anvil;
    String contract;
    Path key;
    Path inventory;
    ServerProcess agent;

    /** Skips the test (JUnit assumption) unless it can run here. */
    static void assumeRunnable(Path deb) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(deb != null, "the Debian package (appliance/target/leo_VERSION_all.deb) is missing: run mvn verify");
        java.util.Optional<String> noDocker = DockerdProcess.unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(noDocker.isEmpty(), () -> noDocker.orElse(""));
        for (String tool : List.of("docker", "mmdebstrap", "ansible-playbook", "ssh", "ssh-keygen", "nsenter", "ip")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Exec.onPath(tool), tool + " is not installed (scripts/install-deps test)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(LeoFleet.ANVIL), "anvil is missing (" + LeoFleet.ANVIL + ")");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(LeoFleet.AGENT_JAR), "the agent jar is missing: run mvn verify");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo is missing: run mvn verify");
    }

    AnsiblePis(Path run, int n, Path deb) throws Exception {
        this.run = run;
        this.n = n;
        this.deb = deb;
        this.ns = "leoa-" + ProcessHandle.current().pid();
        this.pis = new String[n + 1];
        try {
            build();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    String piAddress(int i) {
        return LAN + ".1" + i;
    }

    static MacAddress hpcMac(int i) {
        return MacAddress.parse(String.format("52:54:00:79:%02x:10", i));
    }

    static String hpcAddress(int i) {
        return "10.79." + i + ".10";
    }

    /** The command in this harness's network namespace (nsenter keeps the mount namespace, so no /sys remount). */
    List<String> inNs(String... command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + ns));
        argv.addAll(List.of(command));
        return argv;
    }

    private void build() throws Exception {
        long t0 = System.nanoTime();
        Path rootTar = DebianRoot.bookworm(DebianRoot.PI);
        Exec.check("ip", "netns", "add", ns);
        Exec.check("ip", "-n", ns, "link", "set", "lo", "up");
        dockerd = DockerdProcess.start(List.of("nsenter", "--net=/run/netns/" + ns));
        docker = new DockerCli(dockerd);
        String image = "leo-ansible-pi:" + rootTar.getFileName().toString().replace(".tar", "");
        docker(Duration.ofMinutes(5), "import", rootTar.toString(), image);
        docker(STEP, "network", "create", "--subnet", LAN + ".0/24", "--gateway", GATEWAY, "fleet-lan");

        Path hpcDir = Files.createDirectories(run.resolve("hpc"));
        key = run.resolve("ssh/id_ed25519");
        Files.createDirectories(key.getParent());
        Exec.check("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "leo-ansible-test", "-f", key.toString());
        for (int i = 1; i <= n; i++) {
            pis[i] = "pi" + i;
            docker(STEP, "run", "-d", "--name", pis[i], "--hostname", pis[i], "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
                    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined",
                    "--cgroupns=private", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--network", "fleet-lan", "--ip", piAddress(i),
                    "-v", LeoFleet.AGENT_JAR.getParent() + ":/opt/leo-agent:ro", "-v", hpcDir + ":" + hpcDir, image, "/sbin/init");
        }
        for (int i = 1; i <= n; i++) {
            Exec.Result up = in(i, "systemctl is-system-running --wait");
            if (!up.output().strip().equals("running")) {
                throw new IOException(pis[i] + ": systemd is " + up.output().strip() + ": " + in(i, "systemctl --failed --no-legend").output());
            }
            docker(STEP, "cp", key + ".pub", pis[i] + ":/tmp/authorized_keys");
            ok(i, "install -d -m 700 /root/.ssh && install -m 600 /tmp/authorized_keys /root/.ssh/authorized_keys");
            // the Pi's HPC-facing port, as its NIC would be: hpc0 here, its peer in the namespace 'hpc' with the HPC's MAC
            ok(i, "ip link add hpc0 type veth peer name hpcnic && ip netns add hpc && ip link set hpcnic netns hpc"
                    + " && ip addr add 10.79." + i + ".1/24 dev hpc0 && ip link set hpc0 up && ip -n hpc link set lo up"
                    + " && ip -n hpc link set hpcnic address " + hpcMac(i) + " up");
        }
        System.out.printf("AnsiblePis: %d Pis (systemd, sshd) up in %d s%n", n, Duration.ofNanos(System.nanoTime() - t0).toSeconds());

        anvil = ServerProcess.start("anvil", new ProcessBuilder(inNs(LeoFleet.ANVIL.toString(), "--host", GATEWAY, "--port",
                Integer.toString(ANVIL_PORT), "--block-time", "1", "--accounts", "10")), run.resolve("anvil.log"));
        anvil.awaitReady(Pattern.compile("Listening on"), Duration.ofSeconds(60));
        Path ownerKey = run.resolve("owner.key");
        Files.writeString(ownerKey, LeoFleet.DEV_KEYS.get(0) + "\n");
        Files.setPosixFilePermissions(ownerKey, PosixFilePermissions.fromString("rw-------"));
        String deployed = leo("ledger", "deploy", "--evm-rpc", evmRpc(), "--evm-chain-id", Long.toString(LeoFleet.CHAIN_ID), "--evm-key-file",
                ownerKey.toString());
        contract = deployed.lines().filter(l -> l.startsWith("contract ")).findFirst().orElseThrow().substring("contract ".length()).strip();

        Path image0 = E2eFiles.placeholderBootRoot(run.resolve("image"));
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(Files.createDirectories(run.resolve("keys")));
        Path manifest = run.resolve("boot-manifest");
        ManifestTool.create(image0, keys.privateKey(), manifest, "ansible-test-image");
        Files.move(manifest, image0.resolve("boot-manifest"));
        inventory = run.resolve("inventory.yml");
        Files.writeString(inventory, inventory(image0, keys.publicKey()));
    }

    String evmRpc() {
        return "http://" + GATEWAY + ":" + ANVIL_PORT;
    }

    /**
     * The inventory: every Pi provisioned from the package of this build, a fleet on the anvil chain (Pi 1's account
     * deployed the contract and admits the others), and Pi {@code n}'s simulated HPC. Pis 1 to n-1 serve no HPC (no DHCP).
     * Committee size 28 for three Pis of credit 10: each verifier's votes are Binomial(10, 28/30), a TRUSTED certificate
     * needs 19 of the two verifiers' 20 tickets (about 61 % of rounds); the default 63 exceeds the fleet's 30 credits, every
     * verifier then holds its 10 votes and 20 never reach the 43 a TRUSTED certificate needs.
     */
    private String inventory(Path image, Path publicKey) {
        StringBuilder b = new StringBuilder();
        b.append("""
                all:
                  children:
                    leo_appliances:
                      vars:
                        ansible_user: root
                        leo_package_deb: %s
                        leo_interface: hpc0
                        leo_boot_image_dir: %s
                        leo_boot_public_key: %s
                        leo_attest_policy:
                          tpm.required: false
                        leo_fleet_enabled: true
                        leo_ledger: evm
                        leo_evm_rpc: %s
                        leo_evm_chain_id: %d
                        leo_evm_contract: "%s"
                        leo_config:
                          boot-mode: http
                          no-warmup: true
                          no-ra: true
                          fleet-committee-size: 28
                          fleet-round-period: 12
                          fleet-challenge-spread: 1
                          fleet-round-deadline: 3
                          fleet-verdict-grace: 2
                        leo_users:
                          - name: %s
                            roles: [operator]
                            password: %s
                          - name: grafana
                            roles: [viewer]
                            password: grafana-scrapes
                        leo_api_user: %s
                        leo_api_password: %s
                      hosts:
                """.formatted(deb, image, publicKey, evmRpc(), LeoFleet.CHAIN_ID, contract, OPERATOR, OPERATOR_PASSWORD, OPERATOR,
                OPERATOR_PASSWORD));
        for (int i = 1; i <= n; i++) {
            b.append("        ").append(pis[i]).append(":\n");
            b.append("          ansible_host: ").append(piAddress(i)).append('\n');
            b.append("          leo_evm_key: ").append(LeoFleet.DEV_KEYS.get(i - 1)).append('\n');
            b.append("          leo_config_dropins:\n            50-site:\n              lease-time: 600\n");
            if (i < n) {
                b.append("            60-verifier-only:\n              no-dhcp: true\n");
            } else {
                b.append("          leo_hpcs:\n            - mac: \"").append(hpcMac(i)).append("\"\n              address: ").append(hpcAddress(i))
                        .append("\n              hostname: hpc").append(i).append('\n');
            }
        }
        return b.toString();
    }

    /** Runs {@code ansible-playbook} (a playbook of the collection, e.g. {@code leo.appliance.site}) in the namespace. */
    Run playbook(String name, String... extra) throws IOException {
        List<String> argv = new ArrayList<>(inNs("env", "ANSIBLE_CONFIG=" + ANSIBLE.resolve("ansible.cfg"), "ANSIBLE_HOST_KEY_CHECKING=False",
                "ANSIBLE_PRIVATE_KEY_FILE=" + key, "ANSIBLE_NOCOLOR=1", "ANSIBLE_SSH_CONTROL_PATH_DIR=" + run.resolve("cp"),
                "ANSIBLE_SSH_ARGS=-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null",
                "ansible-playbook", "-i", inventory.toString(), name));
        argv.addAll(List.of(extra));
        long t0 = System.nanoTime();
        Exec.Result r = Exec.run(Duration.ofMinutes(20), argv);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        Path log = run.resolve("ansible-" + name + "-" + System.nanoTime() + ".log");
        Files.writeString(log, r.output(), StandardCharsets.UTF_8);
        Map<String, HostRecap> recap = new LinkedHashMap<>();
        Matcher m = RECAP.matcher(r.output());
        while (m.find()) {
            recap.put(m.group(1), new HostRecap(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5))));
        }
        System.out.printf("AnsiblePis: ansible-playbook %s %s: exit %d in %d s, %s (log %s)%n", name, String.join(" ", extra), r.exitCode(),
                took.toSeconds(), recap, log);
        return new Run(r.exitCode(), r.output(), recap, took);
    }

    /** {@code docker ARGS}; fails on a non-zero exit. */
    String docker(Duration timeout, String... args) throws IOException {
        return docker.run(timeout, args);
    }

    /** A shell command in Pi {@code i}, as root. */
    Exec.Result in(int i, String shell) throws IOException {
        return docker.shell(STEP, pis[i], shell);
    }

    /** A shell command in Pi {@code i} that must succeed; its output. */
    String ok(int i, String shell) throws IOException {
        Exec.Result r = in(i, shell);
        if (r.exitCode() != 0) {
            throw new IOException(pis[i] + ": " + shell + " exited " + r.exitCode() + ": " + r.output().strip());
        }
        return r.output();
    }

    /** {@code leo ARGS} of this build, on the host but in the namespace (the operator's machine on the fleet's LAN). */
    String leo(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString()));
        argv.addAll(List.of(args));
        Exec.Result r = Exec.run(STEP, inNs(argv.toArray(String[]::new)));
        if (r.exitCode() != 0) {
            throw new IOException("leo " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
        }
        return r.output();
    }

    /** Follows Pi {@code i}'s leo.service journal from its start (journalctl -f through docker exec). */
    ServerProcess journal(int i) throws IOException {
        return ServerProcess.start("journal-" + pis[i], new ProcessBuilder(docker.argv("exec", pis[i], "journalctl", "-u", "leo", "-f", "-o", "cat",
                "-n", "all")), run.resolve("journal-" + pis[i] + "-" + System.nanoTime() + ".log"));
    }

    /**
     * Boots Pi {@code i}'s HPC in the Pi's namespace {@code hpc} as {@link LeoFleet}'s HPCs boot ({@link LeoFleet#netBoot}:
     * DHCP from the Pi, the boot script and files over HTTP), then runs the agent with the script's kernel command line over
     * a crafted host tree.
     */
    void bootHpc(int i) throws IOException {
        Path dir = Files.createDirectories(run.resolve("hpc").resolve("hpc" + i));
        Path host = dir.resolve("host");
        CraftedHost.copyTo(host);
        String cmdline = LeoFleet.netBoot("HPC " + i, dir, "hpcnic", "http://10.79." + i + ".1", (timeout, command) -> {
            List<String> argv = docker.argv("exec", pis[i], "ip", "netns", "exec", "hpc");
            argv.addAll(List.of(command));
            return Exec.run(timeout, argv);
        });
        Files.writeString(host.resolve("proc/cmdline"), cmdline + "\n");
        List<String> argv = docker.argv("exec", pis[i], "ip", "netns", "exec", "hpc", "java");
        argv.addAll(Files.readAllLines(REPO.resolve("hpc-agent/jvm.options")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
        argv.addAll(List.of("-cp", "/opt/leo-agent/" + LeoFleet.AGENT_JAR.getFileName() + ":/opt/leo-agent/agent-lib/*", "org.leo.agent.AgentMain",
                "--root", host.toString(), "--mac", hpcMac(i).toString(), "--disk-threads", "1"));
        agent = ServerProcess.start("agent" + i, new ProcessBuilder(argv), dir.resolve("agent.log"));
    }

    /** The last {@code n} lines a followed journal holds. */
    static String tail(ServerProcess journal, int lines) {
        List<TimedLine> all = journal.output().lines();
        StringBuilder b = new StringBuilder();
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append("  ").append(l.text()).append('\n'));
        return b.toString();
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.stop();
        }
        if (dockerd != null) {
            for (String pi : pis) {
                if (pi != null) {
                    try {
                        docker(STEP, "rm", "-f", pi);
                    } catch (IOException e) {
                        System.err.println("AnsiblePis: " + e.getMessage());
                    }
                }
            }
            dockerd.close();
        }
        if (anvil != null) {
            anvil.stop();
        }
        try {
            Exec.run(Duration.ofSeconds(30), "ip", "netns", "del", ns);
        } catch (IOException e) {
            System.err.println("AnsiblePis: ip netns del " + ns + ": " + e.getMessage());
        }
    }
}
