package org.leo.attest.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.agent.collect.HostPaths;
import org.leo.agent.collect.TaskStateCollector;
import org.leo.agent.task.CleanReport;
import org.leo.agent.task.DockerdProcess;
import org.leo.agent.task.Limits;
import org.leo.agent.task.Result;
import org.leo.agent.task.Sandbox;
import org.leo.agent.task.SandboxConfig;
import org.leo.agent.task.TestImage;
import org.leo.protocol.attest.v1.MountEntry;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/**
 * The task-state check end to end on this machine: the agent's {@link TaskStateCollector} over the real
 * /proc and a private dockerd ({@link DockerdProcess}) running the sandbox's guest ({@link Sandbox}, the
 * busybox {@link TestImage}), appraised by {@link TaskAppraisal}. While a guest sleeps the collector sees
 * exactly it and the appraisal under {@link TaskExpectation.Running} finds nothing; each attack (a second
 * container, a process in a namespace with an interface, a new mount) is found; after the clean-up the
 * appraisal under {@link TaskExpectation#NONE} finds nothing, and a container or image left behind is found.
 *
 * <p>This machine is shared with other tests (their dockerds, namespaces and mounts come and go), so the
 * results are scoped to what this test owns before they are appraised ({@link #scoped}): mounts under the
 * private dockerd's directory and this test's {@code /run/netns/leoc-*}, and the namespaces of processes
 * this test started. The engine is private: its containers and images are all this test's. Needs root,
 * docker.io, busybox-static and iproute2 (skipped with the reason otherwise).
 */
@Tag("system")
class TaskStateSystemTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String HPC = "52:54:00:77:00:10";
    private static DockerdProcess dockerd;
    private static Sandbox sandbox;
    private static DockerClient docker;
    private static TestImage image;
    private static TaskStateCollector collector;
    private static Path base;

    /** Network namespaces (inodes) of processes this test started: the only foreign namespaces appraised. */
    private final Set<Long> ownNamespaces = new java.util.HashSet<>();
    private final List<Runnable> undo = new ArrayList<>();

    @BeforeAll
    static void startEngine() throws Exception {
        Optional<String> why = DockerdProcess.unavailableReason();
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        Optional<Path> bb = TestImage.staticBusybox();
        assumeTrue(bb.isPresent(), TestImage::noStaticBusyboxReason);
        image = TestImage.busybox(bb.get());
        dockerd = DockerdProcess.start();
        base = dockerd.dataRoot().getParent();
        sandbox = Sandbox.connect(new SandboxConfig(dockerd.socketUri(), dockerd.workRoot(), dockerd.execRoot()));
        docker = Sandbox.client(dockerd.socketUri(), Duration.ofSeconds(30));
        collector = new TaskStateCollector(HostPaths.real(), Optional.of(dockerd.socketUri()), dockerd.workRoot());
        System.out.println("engine: " + dockerd + "; test image " + image.id());
    }

    @AfterAll
    static void stopEngine() throws IOException {
        if (docker != null) {
            docker.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @AfterEach
    void undoAndCheckClean() throws IOException {
        for (int i = undo.size() - 1; i >= 0; i--) {
            undo.get(i).run();
        }
        if (sandbox != null) {
            CleanReport r = sandbox.verifyClean(Duration.ofSeconds(10));
            assertThat(r.leftovers()).isEmpty();
        }
    }

    @Test
    void aRunningGuestIsSeenExactlyAndAppraisesCleanUnderItsExpectation() throws Exception {
        TaskStateResult baseline = collect();
        Task task = start();
        TaskStateResult during = collect();
        TaskContainer c = only(during.getContainersList());
        System.out.println("the guest's container as the agent reports it: " + c);
        assertThat(c.getImageId()).isEqualTo(image.id());
        assertThat(c.getState()).isEqualTo("running");
        assertThat(c.getPid()).isPositive();
        assertThat(c.getNetNamespace()).isPositive();
        assertThat(during.getImageIdsList()).containsExactly(image.id());
        assertThat(during.getVolumes()).isZero();
        // Here PID 1 (the machine's own init, in another user namespace) cannot be read even by root: scoped() drops that one.
        assertThat(scoped(during).getErrorsList()).isEmpty();
        NetNamespace ns = only(during.getNetNamespacesList().stream().filter(n -> n.getInode() == c.getNetNamespace()).toList());
        assertThat(ns.getInterfacesList()).containsExactly("lo");

        List<MountEntry> added = added(baseline, during);
        System.out.println("mounts the guest's run adds (" + dockerd.storageDriver() + "):");
        added.forEach(m -> System.out.println("  " + m.getFsType() + " " + m.getSource() + " at " + m.getMountPoint() + " (" + m.getOptions() + ")"));
        assertThat(added).allSatisfy(m -> assertThat(TaskAppraisal.allowedBy(c, m, during.getWorkRoot())).isPresent());
        // A guest without network has no sandbox for the engine to pin (no nsfs under exec-root/netns): its root and its work tmpfs.
        assertThat(c.getSandboxKey()).isEmpty();
        assertThat(added).extracting(MountEntry::getFsType)
                .containsExactlyInAnyOrderElementsOf(dockerd.storageDriver().equals("overlay2") ? List.of("overlay", "tmpfs") : List.of("tmpfs"));

        assertThat(appraise(during, baseline, new TaskExpectation.Running(image.id()))).isEmpty();
        assertThat(appraise(during, baseline, TaskExpectation.NONE)).extracting(Finding::eventId).contains("task.unexpected-container",
                "task.unexpected-image", "task.unexpected-netns", "task.new-mount");
        assertThat(appraise(during, baseline, new TaskExpectation.Running("sha256:" + "ab".repeat(32)))).extracting(Finding::eventId)
                .contains("task.unexpected-container", "task.unexpected-image", "task.container-missing");

        stop(task);
        TaskStateResult after = collect();
        assertThat(after.getContainersList()).isEmpty();
        assertThat(after.getImageIdsList()).isEmpty();
        assertThat(TaskAppraisal.cleanup(HPC, Policy.defaults(), scoped(after), Optional.of(scoped(baseline)))).isEmpty();
    }

    @Test
    void aSecondContainerBesideTheTaskIsFound() throws Exception {
        TaskStateResult baseline = collect();
        Task task = start();
        String second = docker.createContainerCmd(image.id()).withCmd("sleep", "600").withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        undo.add(() -> quietly(() -> docker.removeContainerCmd(second).withForce(true).exec()));
        docker.startContainerCmd(second).exec();
        TaskStateResult during = await(r -> r.getContainersList().stream().filter(x -> x.getState().equals("running")).count() == 2);
        ownNamespaces.add(during.getContainersList().stream().filter(x -> x.getId().equals(second)).findFirst().orElseThrow().getNetNamespace());

        List<Finding> f = appraise(during, baseline, new TaskExpectation.Running(image.id()));
        f.forEach(x -> System.out.println("second container: " + x.eventId() + ": " + x.sentence()));
        assertThat(f).filteredOn(x -> x.eventId().equals("task.unexpected-container")).singleElement()
                .satisfies(x -> assertThat(x.sentence()).contains("is in the engine beside the task's container"));
        assertThat(f).extracting(Finding::eventId).contains("task.unexpected-netns", "task.new-mount");
        docker.removeContainerCmd(second).withForce(true).exec();
        stop(task);
    }

    @Test
    void aProcessInANamespaceWithAnInterfaceIsFound() throws Exception {
        TaskStateResult baseline = collect();
        Task task = start();
        String name = "leoc-ts-" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4).putInt((int) ProcessHandle.current().pid()).array());
        run("ip", "netns", "add", name);
        undo.add(() -> quietly("ip", "netns", "del", name));
        run("ip", "-n", name, "link", "add", "leoc-v0", "type", "veth", "peer", "name", "leoc-v1");
        Process inside = new ProcessBuilder("ip", "netns", "exec", name, "sleep", "600").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        undo.add(() -> stopByPid(inside));
        long inode = awaitNamespace(inside.pid(), name);
        ownNamespaces.add(inode);
        TaskStateResult during = await(r -> r.getNetNamespacesList().stream().anyMatch(n -> n.getInode() == inode));

        List<Finding> f = appraise(during, baseline, new TaskExpectation.Running(image.id()));
        f.forEach(x -> System.out.println("namespace: " + x.eventId() + ": " + x.sentence()));
        assertThat(f).filteredOn(x -> x.eventId().equals("task.netns-interface")).singleElement().satisfies(x -> {
            assertThat(x.got()).isEqualTo("leoc-v0,leoc-v1");
            assertThat(x.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(x.sentence()).contains("network namespace " + inode);
        });
        assertThat(f).extracting(Finding::eventId).contains("task.unexpected-netns");
        assertThat(f).filteredOn(x -> x.eventId().equals("task.new-mount")).extracting(Finding::got)
                .containsExactly("/run/netns/" + name + " (nsfs from nsfs)");
        stop(task);
    }

    @Test
    void aNewMountDuringTheTaskIsFound() throws Exception {
        TaskStateResult baseline = collect();
        Task task = start();
        Path dir = Files.createDirectories(base.resolve("attack-mount"));
        run("mount", "-t", "tmpfs", "-o", "size=1m", "leoc-attack", dir.toString());
        undo.add(() -> quietly("umount", dir.toString()));
        TaskStateResult during = collect();
        List<Finding> f = appraise(during, baseline, new TaskExpectation.Running(image.id()));
        f.forEach(x -> System.out.println("new mount: " + x.eventId() + ": " + x.sentence()));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.new-mount");
        assertThat(f.get(0).sentence()).isEqualTo("HPC " + HPC + ": mount " + dir + " (tmpfs from leoc-attack) is new since the baseline"
                + " and is none of the task container's");
        run("umount", dir.toString());
        stop(task);
    }

    @Test
    void aContainerOrImageLeftAfterTheCleanUpIsFound() throws Exception {
        TaskStateResult baseline = collect();
        sandbox.load(image.archive(), image.id());
        undo.add(() -> quietly(() -> docker.removeImageCmd(image.id()).withForce(true).exec()));
        List<Finding> imageOnly = TaskAppraisal.cleanup(HPC, Policy.defaults(), scoped(collect()), Optional.of(scoped(baseline)));
        assertThat(imageOnly).extracting(Finding::eventId).containsExactly("task.unexpected-image");
        assertThat(imageOnly.get(0).sentence()).isEqualTo("HPC " + HPC + ": the engine holds image " + image.id() + " while no task is expected");

        String left = docker.createContainerCmd(image.id()).withCmd("true").exec().getId();
        undo.add(() -> quietly(() -> docker.removeContainerCmd(left).withForce(true).exec()));
        List<Finding> both = TaskAppraisal.cleanup(HPC, Policy.defaults(), scoped(collect()), Optional.of(scoped(baseline)));
        assertThat(both).extracting(Finding::eventId).containsExactly("task.unexpected-container", "task.unexpected-image");
        assertThat(both.get(0).sentence()).contains("container " + left.substring(0, 12) + " of image " + image.id() + " (created)");
        docker.removeContainerCmd(left).withForce(true).exec();
        docker.removeImageCmd(image.id()).withForce(true).exec();
        assertThat(TaskAppraisal.cleanup(HPC, Policy.defaults(), scoped(collect()), Optional.of(scoped(baseline)))).isEmpty();
    }

    // ---- the guest -------------------------------------------------------------------------------

    private record Task(CompletableFuture<Result> result) { }

    /** Loads the image and runs a sleeping guest in the background; returns once the engine says it runs. */
    private Task start() throws Exception {
        sandbox.load(image.archive(), image.id());
        CompletableFuture<Result> result = CompletableFuture.supplyAsync(() -> {
            try {
                return sandbox.run(image.id(), List.of("sleep", "600"), Map.of("input", "x".getBytes(StandardCharsets.UTF_8)), Limits.DEFAULT,
                        Duration.ofSeconds(300));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        TaskStateResult running = await(r -> r.getContainersList().stream().anyMatch(c -> c.getState().equals("running") && c.getNetNamespace() != 0));
        TaskContainer c = running.getContainersList().stream().filter(x -> x.getState().equals("running")).findFirst().orElseThrow();
        ownNamespaces.add(c.getNetNamespace());
        undo.add(() -> quietly(() -> docker.killContainerCmd(c.getId()).exec()));
        return new Task(result);
    }

    /** Ends the guest (SIGKILL through the engine) and waits for the sandbox's clean-up. */
    private void stop(Task task) throws Exception {
        for (TaskContainer c : collect().getContainersList()) {
            if (c.getImageId().equals(image.id()) && c.getState().equals("running")) {
                quietly(() -> docker.killContainerCmd(c.getId()).exec());
            }
        }
        Result r = task.result().get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.cleanUpErrors()).isEmpty();
        await(x -> x.getContainersList().isEmpty() && x.getImageIdsList().isEmpty());
    }

    // ---- collecting and appraising ---------------------------------------------------------------

    private TaskStateResult collect() {
        return collector.collect();
    }

    /** Collects until {@code done} holds, within {@link #BOUND}. */
    private TaskStateResult await(Predicate<TaskStateResult> done) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        TaskStateResult r = collect();
        while (!done.test(r)) {
            assertThat(System.nanoTime()).as("state not reached within %s: %s", BOUND, r).isLessThan(deadline);
            Thread.sleep(50);
            r = collect();
        }
        return r;
    }

    private List<Finding> appraise(TaskStateResult got, TaskStateResult baseline, TaskExpectation expected) {
        Findings out = new Findings(HPC, Policy.defaults());
        TaskAppraisal.appraise(scoped(got), Optional.of(scoped(baseline)), expected, out);
        return out.list();
    }

    /** {@code r} without what belongs to other tests on this machine (see the class comment). */
    private TaskStateResult scoped(TaskStateResult r) {
        String mine = base.toString() + "/";
        return r.toBuilder().clearMounts().addAllMounts(r.getMountsList().stream()
                        .filter(m -> m.getMountPoint().startsWith(mine) || m.getMountPoint().startsWith("/run/netns/leoc-ts-")).toList())
                .clearNetNamespaces().addAllNetNamespaces(r.getNetNamespacesList().stream().filter(n -> ownNamespaces.contains(n.getInode())).toList())
                .clearErrors().addAllErrors(r.getErrorsList().stream().filter(e -> !e.getMessage().contains("could not be read")).toList())
                .build();
    }

    private static List<MountEntry> added(TaskStateResult before, TaskStateResult after) {
        List<MountEntry> was = new ArrayList<>(before.getMountsList().stream().map(m -> m.toBuilder().setOptions("").build()).toList());
        List<MountEntry> out = new ArrayList<>();
        for (MountEntry m : after.getMountsList()) {
            if (!was.remove(m.toBuilder().setOptions("").build()) && m.getMountPoint().startsWith(base.toString() + "/")) {
                out.add(m);
            }
        }
        return out;
    }

    private static <T> T only(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    // ---- processes -------------------------------------------------------------------------------

    private static long awaitNamespace(long pid, String name) throws Exception {
        Path own = Path.of("/run/netns", name);
        long want = (long) Files.getAttribute(own, "unix:ino"); // the pinned file is the namespace itself
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            long now = inode(Path.of("/proc/" + pid + "/ns/net"));
            if (now == want) {
                return now;
            }
            assertThat(System.nanoTime()).as("process %d did not enter namespace %s", pid, name).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static long inode(Path nsLink) {
        try {
            String t = Files.readSymbolicLink(nsLink).toString();
            return Long.parseLong(t.substring(t.indexOf('[') + 1, t.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
        assertThat(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", List.of(command), out).isZero();
    }

    private static void quietly(String... command) {
        quietly(() -> new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                .waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception gone) {
            // already undone by the test itself
        }
    }

    private static void stopByPid(Process p) {
        p.destroyForcibly();
        try {
            p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
