package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;
import org.leo.image.HpcImageBuilder;
import org.leo.image.InputsLock;
import org.leo.image.ServiceImageBuilder;
import org.leo.image.ServiceSpec;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.Firmware;
import org.leo.pxe.vm.NetNsHost;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.TimedLine;
import org.leo.pxe.vm.VmPreconditions;

/**
 * The picture demo end to end, on a fleet of four packaged {@code leo pxe serve --attest --fleet} on one anvil chain
 * ({@link LeoFleet}): Pi 1's HPC is a disk-less QEMU VM (TCG, 2 GiB) that network-boots the HPC image with the task engine
 * ({@code leo image build-hpc --with-docker}, built here from the pinned inputs) from Pi 1, on a bridge in its HPC namespace;
 * Pi 1 power-cycles it through QMP. Pis 2 to 4 serve crafted-host agents, so every Pi judges the others' HPCs and earns
 * credit. Bob (Pi 3) publishes the grey service ({@code leo service publish}: the image built from Debian's netpbm, its code
 * sealed into a code capsule); Alice (Pi 2) deposits and submits a task with a colour picture ({@code leo task submit}). The
 * task's group is drawn by VRF from the task's own entry; only Pi 1's HPC has a task engine, so the test submits again
 * until Pi 1's member is the executor (the draw cannot be steered: a task whose executor is another Pi is left to fail and
 * expire, its owner refunded). Then, with no hand in it: the monitors certify Pi 1's HPC (the ATTEST round), Alice's and
 * Bob's Pis release their keys to its attested agent, the agent loads the image Pi 1 fetched from Bob's Pi, runs the code
 * in a network-less container, seals the result to Alice's TPM, Pi 1 power-cycles the VM, which boots the measured image
 * again, the monitors certify the empty HPC (the clean-up certificate), and Pi 1 settles the task on the chain. Alice's Pi
 * fetches the sealed result; {@code leo task result} opens it with her TPM (after her Pi stops: swtpm serves one client), and
 * the picture is grey, pixel by pixel. Then the second demo on the same fleet: Bob publishes the common-names service, Carol
 * (Pi 4) offers her list of names for it ({@code leo task offer}), Alice submits hers with Carol's capsule; both owners' Pis
 * release their keys, the agent seals the common names to each, each Pi fetches its own copy, and each owner opens it with
 * her TPM: the names in both lists, nothing else of the other's. Prints the timeline per stage and the gas of each record.
 */
@Tag("system")
class TaskDemoIT {
    // Stood in for: the HPCs of Pis 2 to 4 (crafted hosts with real agents, no task engine, no power control), and the HPC's
    // own TPM (tpm.required=false; MeasuredBootIT boots an HPC that has one).
    static final Path REPO = LeoFleet.REPO;
    static final Path CACHE = DockerImageVmIT.CACHE;
    /**
     * Four Pis: a fleet round of an HPC is judged by the other Pis, whose share of the credit must exceed the TRUSTED
     * threshold (two thirds of the expected committee), which three Pis' two thirds only reach by chance.
     */
    static final int N = 4;
    /** Rounds long enough for an agent under TCG to answer a relayed challenge. */
    static final List<String> SCHEDULE = List.of("--fleet-round-period", "30", "--fleet-challenge-spread", "2", "--fleet-round-deadline", "20",
            "--fleet-verdict-grace", "5", "--fleet-claim-window", "20");
    static final Duration VM_BOOT = Duration.ofSeconds(600);
    static final Duration TASK = Duration.ofMinutes(15);
    /** Pi 1 is the executor of about one task in four: 16 tries miss it about once in a hundred runs (0.75^16). */
    static final int TRIES = 16;
    /** What each submitted task pays. */
    static final int PAYMENT = 10;
    static final String POLICY = String.join("\n", "challenge.mean-seconds=20", "challenge.min-seconds=5", "challenge.max-seconds=60",
            "challenge.deadline-seconds=120",
            // the image's own churn under a running container (mounts, sockets) is recorded, not acted on
            "severity.os=warning", "severity.network=warning", "severity.hardware=critical", "severity.disk=critical",
            "action.critical=record,alert", "tpm.required=false", "");
    static final Pattern EXECUTOR = Pattern.compile("task #(\\d+): this Pi's member is the executor of group #(\\d+)");
    static final Pattern GAS = Pattern.compile("ledger: #\\d+ \\S+ (.*) \\(block \\d+, (\\d+) gas\\)");
    /** The kind of a record by the start of its description (LedgerRecord.describe). */
    static final Map<String, String> KINDS = kinds();

    private static Map<String, String> kinds() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("^member .* admitted", "admission");
        k.put("^reference values", "reference values");
        k.put("^certificate: ", "certificate");
        k.put("^service '", "service");
        k.put("^task by member", "task");
        k.put("^group of task", "group");
        k.put("deposited for member", "deposit");
        k.put("withdrawn by member", "withdrawal");
        k.put("^task #\\d+ settled", "settlement");
        k.put("^task #\\d+ expired", "expiry");
        k.put("^credit of member", "credit change");
        return k;
    }

    @Test
    void aColourPictureIsTurnedGreyOnAnAttestedQemuHpcAndTheTaskIsSettled() throws Exception {
        LeoFleet.assumeRunnable();
        VmPreconditions.assumeVmBootPossible();

        Path run = Files.createTempDirectory("leoq-task-demo-");
        Path bootRoot = buildImage(run);
        ServiceImageBuilder.Built grey = ServiceImageBuilder.build(ServiceSpec.read(REPO.resolve("os-image/services/grey.service")), CACHE,
                run.resolve("grey.tar"));
        Path qmp = run.resolve("qmp.sock");
        MacAddress vmMac = MacAddress.parse("52:54:00:78:00:01"); // FleetNetwork's HPC 1
        LeoFleet.Setup setup = new LeoFleet.Setup(bootRoot, POLICY, Set.of(2, 3, 4),
                Map.of(1, List.of("--power", vmMac + "=qemu:" + qmp)));
        boolean passed = false;
        try (LeoFleet fleet = new LeoFleet(Files.createDirectories(run.resolve("fleet")), N, SCHEDULE, setup);
             QemuVm vm = startVm(fleet, run, qmp)) {
            assertThat(fleet.pis[1].hpc()).isEqualTo(vmMac);
            Instant t0 = Instant.now();
            awaitLine(fleet, 1, Pattern.compile("HPC " + vmMac + ": attestation stream open"), VM_BOOT, vm);
            System.out.printf("Pi 1's QEMU HPC booted the image with the task engine and opened its attestation stream %.1f s after power-on%n",
                    secondsSince(t0));
            awaitLine(fleet, 1, Pattern.compile("published the reference values of HPC " + vmMac), Duration.ofMinutes(5), vm);

            // Bob publishes the grey service from Pi 3, Alice deposits and submits from Pi 2 (keys wrapped to each Pi's TPM
            // wrap key, whose public half the running Pi wrote: swtpm is the running Pi's)
            LeoFleet.Pi bob = fleet.pis[3];
            LeoFleet.Pi alice = fleet.pis[2];
            Path code = Files.copy(REPO.resolve("os-image/services/grey.sh"), run.resolve("grey.sh"));
            String published = fleet.leo(3, withEvm(fleet, bob, "service", "publish", "--data-dir", bob.data().toString(), "--name", "grey",
                    "--image", grey.archive().toString(), "--code", code.toString(), "--price", "3", "--wrap-key", wrapKey(bob)));
            System.out.print("leo service publish (Bob, Pi 3):\n" + published);
            List<String> cli = new ArrayList<>(List.of(published));
            String service = value(published, "service");
            // enough for every try of both demos: a task that Pi 1 does not execute keeps its payment in escrow until it expires
            cli.add(fleet.leo(2, withEvm(fleet, alice, "ledger", "deposit", alice.memberHex, Integer.toString(2 * TRIES * PAYMENT))));

            BufferedImage colour = colourPicture();
            Path input = Files.createDirectories(run.resolve("alice")).resolve("input");
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(colour, "png", png);
            Files.write(input, png.toByteArray());

            long task = submitUntilPi1Executes(fleet, alice, cli, "--service", service, "--data", input.toString());
            settled(fleet, vm, task);

            // the second demo: Alice's and Carol's name lists, the common names to both. Bob publishes the service; Carol
            // (Pi 4) offers her list for it; Alice submits hers with Carol's capsule
            ServiceImageBuilder.Built namesImage = ServiceImageBuilder.build(
                    ServiceSpec.read(REPO.resolve("os-image/services/common-names.service")), CACHE, run.resolve("common-names.tar"));
            Path namesCode = Files.copy(REPO.resolve("os-image/services/common-names.sh"), run.resolve("common-names.sh"));
            String namesPublished = fleet.leo(3, withEvm(fleet, bob, "service", "publish", "--data-dir", bob.data().toString(), "--name",
                    "common-names", "--image", namesImage.archive().toString(), "--code", namesCode.toString(), "--price", "3", "--wrap-key",
                    wrapKey(bob)));
            cli.add(namesPublished);
            String namesService = value(namesPublished, "service");
            LeoFleet.Pi carol = fleet.pis[4];
            Path namesA = Files.writeString(run.resolve("alice/names-a"), "alice\nbob\ncarol\ndave\nzoe\n");
            Path namesB = Files.writeString(Files.createDirectories(run.resolve("carol")).resolve("names-b"), "zoe\r\nerin\r\nbob\r\nfrank\r\n");
            String offered = fleet.leo(4, withEvm(fleet, carol, "task", "offer", "--data-dir", carol.data().toString(), "--service", namesService,
                    "--data", namesB.toString(), "--wrap-key", wrapKey(carol)));
            System.out.print("leo task offer (Carol, Pi 4):\n" + offered);
            long common = submitUntilPi1Executes(fleet, alice, cli, "--service", namesService, "--data", namesA.toString(), "--data-capsule",
                    value(offered, "data-capsule"));
            settled(fleet, vm, common);

            // each owner's Pi fetched its own sealed copy
            for (int owner : new int[] {2, 4}) {
                awaitLine(fleet, owner, Pattern.compile("task #" + common + ": result of \\d+ bytes fetched from executor Pi"), Duration.ofMinutes(3), vm);
            }
            awaitLine(fleet, 2, Pattern.compile("task #" + task + ": result of \\d+ bytes fetched from executor Pi"), Duration.ofMinutes(3), vm);
            for (long t : new long[] {task, common}) {
                String status = fleet.leo(2, withEvm(fleet, alice, "task", "status", Long.toString(t)));
                System.out.print("leo task status " + t + ":\n" + status);
                assertThat(status).contains("settled #").contains("(executor)").contains("burned 1").contains("CLEANUP attempt 0 TRUSTED");
            }
            printGas(fleet, cli);

            // Alice and Carol open their results with their TPMs once their Pis have let go of them
            alice.process.stop();
            carol.process.stop();
            Path result = run.resolve("alice/result.png");
            String opened = fleet.leo(2, withEvm(fleet, alice, "task", "result", "--data-dir", alice.data().toString(), "--task",
                    Long.toString(task), "--tpm", alice.tpmEndpoint(), "--out", result.toString()));
            System.out.print("leo task result (Alice, Pi 2):\n" + opened);
            DockerImageVmIT.assertGrey(colour, Files.readAllBytes(result));
            for (LeoFleet.Pi owner : new LeoFleet.Pi[] {alice, carol}) {
                Path out = run.resolve("common-names-" + owner.i);
                String got = fleet.leo(owner.i, withEvm(fleet, owner, "task", "result", "--data-dir", owner.data().toString(), "--task",
                        Long.toString(common), "--tpm", owner.tpmEndpoint(), "--out", out.toString()));
                System.out.print("leo task result (Pi " + owner.i + "):\n" + got);
                assertThat(Files.readString(out)).as("the names in both lists, to Pi %d", owner.i).isEqualTo("bob\nzoe\n");
            }
            passed = true;
        } finally {
            if (passed) {
                PxeBootIT.deleteTree(run);
            } else {
                System.out.println("logs kept in " + run);
            }
        }
    }

    /**
     * Submits a task from Alice's Pi with {@code args} until Pi 1's member is its executor (only Pi 1's HPC has a task engine;
     * the draw cannot be steered); the task's seq.
     */
    private static long submitUntilPi1Executes(LeoFleet fleet, LeoFleet.Pi alice, List<String> cli, String... args) throws Exception {
        for (int attempt = 1; attempt <= TRIES; attempt++) {
            int[] marks = marks(fleet);
            Instant submitted = Instant.now();
            List<String> argv = new ArrayList<>(List.of("task", "submit", "--data-dir", alice.data().toString()));
            argv.addAll(List.of(args));
            argv.addAll(List.of("--payment", Integer.toString(PAYMENT), "--group-size", "5", "--expires-after", "400", "--wrap-key", wrapKey(alice)));
            String out = fleet.leo(2, withEvm(fleet, alice, argv.toArray(String[]::new)));
            cli.add(out);
            long task = Long.parseLong(value(out, "task"));
            int executor = awaitExecutor(fleet, marks, task);
            System.out.printf("task #%d (try %d): %s, %.1f s after the submission%s%n", task, attempt,
                    executor == 0 ? "no group (too few claims in the window)" : "the executor is Pi " + executor + "'s member",
                    Duration.between(submitted, Instant.now()).toMillis() / 1000.0,
                    executor == 1 ? "" : executor == 0 ? "; submitting again" : " (its HPC has no task engine: it fails and expires; submitting again)");
            if (executor == 1) {
                return task;
            }
        }
        throw new AssertionError("Pi 1 was not elected executor within " + TRIES + " tasks");
    }

    /** Waits for the executor's timeline of {@code task}, its last line (settled), and prints it with the task's lines. */
    private static void settled(LeoFleet fleet, QemuVm vm, long task) throws Exception {
        TimedLine done = awaitLine(fleet, 1, Pattern.compile("task #" + task + ": attest .* in all \\d+ ms \\(stage SETTLED\\)"), TASK, vm);
        System.out.println("executor's timeline: " + done.text().replaceAll("^.*\\] ", ""));
        String ref = "task #" + task + ":";
        fleet.pis[1].process.output().lines().stream().filter(l -> l.text().contains(ref)).forEach(l -> System.out.println("  pi1 | " + l.text()));
    }

    /** The HPC image with the task engine, as its boot root: kernel, initramfs, the iPXE template and the UKI. */
    private static Path buildImage(Path run) throws Exception {
        return buildImage(run, true, "leo-hpc-docker-demo");
    }

    /** The HPC image (with the task engine when {@code withDocker}) as a boot root: vmlinuz, initrd.img, the iPXE template. */
    static Path buildImage(Path run, boolean withDocker, String imageId) throws Exception {
        Path key = org.leo.boot.manifest.ManifestTool.generateKeyPair(run.resolve("image-keys")).privateKey();
        HpcImageBuilder.Result image = HpcImageBuilder.build(new HpcImageBuilder.Config(InputsLock.read(REPO.resolve("os-image/inputs.lock")), CACHE,
                HpcImageBuilder.agentJars(LeoFleet.AGENT_JAR, LeoFleet.AGENT_LIB), REPO.resolve("hpc-agent/jvm.options"),
                Path.of(System.getProperty("java.home")), run.resolve("img"), 1_764_547_200L, imageId, key, withDocker));
        Path root = Files.createDirectories(run.resolve("boot"));
        Files.copy(image.vmlinuz(), root.resolve("vmlinuz"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(image.initrd(), root.resolve("initrd.img"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(image.ipxeTemplate(), root.resolve(org.leo.boot.manifest.IpxeTemplate.FILE));
        if (image.uki().isPresent()) {
            Files.copy(image.uki().get().uki(), root.resolve(image.uki().get().uki().getFileName().toString()));
            Files.copy(image.uki().get().measurementsFile(), root.resolve(image.uki().get().measurementsFile().getFileName().toString()));
        }
        System.out.printf("HPC image%s: initrd.img %.1f MiB%n", withDocker ? " with the task engine" : "", image.initrdBytes() / 1048576.0);
        return root;
    }

    /** A bridge in Pi 1's HPC namespace joins the namespace's link to a tap; the VM's NIC on the tap takes the link's MAC. */
    private static QemuVm startVm(LeoFleet fleet, Path run, Path qmp) throws Exception {
        return startVm(fleet, run, qmp, 2048);
    }

    /** Pi 1's HPC as a QEMU VM on a bridge in its namespace; {@code extra}: more QEMU arguments (devices, a monitor). */
    static QemuVm startVm(LeoFleet fleet, Path run, Path qmp, int memoryMiB, String... extra) throws Exception {
        String ns = fleet.net.hpcNs(1);
        String link = fleet.net.hpcInterface();
        String bridge = FleetNetwork.PREFIX + "hb";
        String tap = FleetNetwork.PREFIX + "ht";
        for (String[] c : new String[][] {
                {"link", "set", link, "down"}, {"link", "set", link, "address", "52:54:00:79:00:01"},
                {"link", "add", bridge, "type", "bridge"}, {"link", "set", link, "master", bridge},
                {"tuntap", "add", "dev", tap, "mode", "tap"}, {"link", "set", tap, "master", bridge},
                {"link", "set", bridge, "up"}, {"link", "set", tap, "up"}, {"link", "set", link, "up"}}) {
            List<String> argv = new ArrayList<>(List.of("ip", "-n", ns));
            argv.addAll(List.of(c));
            Exec.check(argv.toArray(String[]::new));
        }
        NetNsHost hpc = new NetNsHost(ns, link, Optional.empty(), 0);
        List<String> args = new ArrayList<>(List.of("-qmp", "unix:" + qmp + ",server=on,wait=off"));
        args.addAll(List.of(extra));
        return QemuVm.builder(hpc, tap, run.resolve("vm")).firmware(Firmware.BIOS).mac(fleet.pis[1].hpc()).memoryMiB(memoryMiB).noReboot(false)
                .extraArgs(args.toArray(String[]::new)).start();
    }

    /**
     * The Pi whose member is the executor of {@code task}'s group, from the Pis' logs after {@code marks}; 0 if the owner's
     * Pi (2) found the claims in its window elect no group (claims that came after it closed, on a loaded machine).
     */
    private static int awaitExecutor(LeoFleet fleet, int[] marks, long task) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        Pattern noGroup = Pattern.compile("task #" + task + "\\b.*it has no group and cannot run");
        while (System.nanoTime() < deadline) {
            for (int i = 1; i <= N; i++) {
                for (TimedLine l : fleet.pis[i].process.output().lines().subList(marks[i], fleet.pis[i].lines())) {
                    Matcher m = EXECUTOR.matcher(l.text());
                    if (m.find() && Long.parseLong(m.group(1)) == task) {
                        return i;
                    }
                    if (i == 2 && noGroup.matcher(l.text()).find()) {
                        return 0;
                    }
                }
            }
            fleet.pis[1].process.output().await(EXECUTOR, fleet.pis[1].lines(), Duration.ofSeconds(1), () -> false);
        }
        throw new AssertionError("no Pi became the executor of task #" + task + " within 3 min; Pi 2 (its owner):\n" + fleet.pis[2].tail(40));
    }

    private static int[] marks(LeoFleet fleet) {
        int[] m = new int[N + 1];
        for (int i = 1; i <= N; i++) {
            m[i] = fleet.pis[i].lines();
        }
        return m;
    }

    /** Waits for a line of Pi {@code i}'s log; fails with its tail and the VM's serial tail. */
    private static TimedLine awaitLine(LeoFleet fleet, int i, Pattern p, Duration timeout, QemuVm vm) throws Exception {
        LeoFleet.Pi pi = fleet.pis[i];
        Optional<TimedLine> l = pi.process.output().await(p, 0, timeout, () -> !pi.process.isAlive());
        if (l.isEmpty()) {
            throw new AssertionError("Pi " + i + " logged no '" + p + "' within " + timeout + "; its log's last lines:\n" + pi.tail(60)
                    + "\nthe VM's serial:\n" + vm.tail());
        }
        return l.get();
    }

    /** The gas of each record type, as the Pis and the commands that appended them logged it (min..max over the run). */
    private static void printGas(LeoFleet fleet, List<String> commandOutputs) {
        Map<String, long[]> gas = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= N; i++) {
            fleet.pis[i].process.output().lines().forEach(l -> lines.add(l.text()));
        }
        commandOutputs.forEach(o -> lines.addAll(o.lines().toList()));
        for (String l : lines) {
            Matcher m = GAS.matcher(l);
            if (m.find()) {
                long g = Long.parseLong(m.group(2));
                String kind = KINDS.entrySet().stream().filter(e -> Pattern.compile(e.getKey()).matcher(m.group(1)).find()).map(Map.Entry::getValue)
                        .findFirst().orElse("other");
                gas.merge(kind, new long[] {g, g, 1}, (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1]), a[2] + b[2]});
            }
        }
        System.out.println("gas by record (as the appending Pis and commands logged it; min..max, count):");
        gas.forEach((k, v) -> System.out.printf("  %-22s %,d..%,d (%d)%n", k, v[0], v[1], v[2]));
    }

    private static String[] withEvm(LeoFleet fleet, LeoFleet.Pi pi, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(fleet.evm());
        a.addAll(List.of("--evm-key-file", pi.evmKey.toString()));
        return a.toArray(String[]::new);
    }

    private static String wrapKey(LeoFleet.Pi pi) {
        return pi.data().resolve("capsule-wrap-key.pub").toString();
    }

    /** The value after {@code key} on its line of {@code out} ("service 4", "task 12"). */
    private static String value(String out, String key) {
        return out.lines().filter(l -> l.startsWith(key + " ")).findFirst().orElseThrow(() -> new AssertionError("no '" + key + "' line in:\n" + out))
                .substring(key.length() + 1).strip();
    }

    private static double secondsSince(Instant t) {
        return Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }

    static BufferedImage colourPicture() {
        BufferedImage colour = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < colour.getHeight(); y++) {
            for (int x = 0; x < colour.getWidth(); x++) {
                colour.setRGB(x, y, (x * 5 & 0xff) << 16 | (y * 8 & 0xff) << 8 | (x * y & 0xff));
            }
        }
        return colour;
    }
}
