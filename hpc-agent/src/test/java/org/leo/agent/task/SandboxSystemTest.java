package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The sandbox against a real, private dockerd ({@link DockerdProcess}) and a registry-less busybox image
 * ({@link TestImage}): a guest does its job, and every attack of docs/tasks.md that the container
 * config answers is tried by a guest and fails. After each test the engine and the host are clean
 * ({@link Sandbox#verifyClean}). Each run prints its stage timings. Needs root, docker.io and
 * busybox-static (skipped with the reason otherwise).
 */
@Tag("system")
class SandboxSystemTest {
    private static final Duration CLEAN_BOUND = Duration.ofSeconds(10);
    private static DockerdProcess dockerd;
    private static Sandbox sandbox;
    private static SandboxConfig config;
    private static Path busybox;
    private static TestImage image;

    @BeforeAll
    static void startEngine() throws Exception {
        Optional<String> why = DockerdProcess.unavailableReason();
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        Optional<Path> bb = TestImage.staticBusybox();
        assumeTrue(bb.isPresent(), TestImage::noStaticBusyboxReason);
        busybox = bb.get();
        image = TestImage.busybox(busybox);
        dockerd = DockerdProcess.start();
        config = new SandboxConfig(dockerd.socketUri(), dockerd.workRoot(), dockerd.execRoot());
        sandbox = Sandbox.connect(config);
        System.out.println("engine: " + dockerd + "; test image " + image.id() + " (" + image.archive().length + " bytes)");
    }

    @AfterAll
    static void stopEngine() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @AfterEach
    void nothingIsLeft(TestInfo test) throws IOException {
        if (sandbox == null) {
            return;
        }
        CleanReport r = sandbox.verifyClean(CLEAN_BOUND);
        System.out.println(test.getDisplayName() + ": verifyClean " + r);
        assertThat(r.leftovers()).isEmpty();
        assertThat(r.clean()).isTrue();
    }

    private static Result run(String what, List<String> command, Map<String, byte[]> inputs, Limits limits, Duration timeout) throws Exception {
        LoadedImage loaded = sandbox.load(image.archive(), image.id());
        assertThat(loaded.id()).isEqualTo(image.id());
        Result r = sandbox.run(image.id(), command, inputs, limits, timeout);
        System.out.printf("%s: load %d ms, %s; exit %d%s%s%n", what, loaded.took().toMillis(), r.timings(), r.exitCode(),
                r.timedOut() ? " (timed out, killed)" : "", r.oomKilled() ? " (OOM-killed)" : "");
        assertThat(r.cleanUpErrors()).isEmpty();
        return r;
    }

    private static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    private static String text(Result r) {
        return new String(r.result().orElseThrow(() -> new AssertionError("no result: " + r.resultProblem() + "; stderr " + r.stderr().text())),
                StandardCharsets.UTF_8);
    }

    @Test
    void guestReversesAnInputFile() throws Exception {
        Result r = run("reverse", sh("rev /work/input > /work/result && echo reversed && echo to-stderr >&2"),
                Map.of("input", "hello\nworld\n".getBytes(StandardCharsets.UTF_8)), Limits.DEFAULT, Duration.ofSeconds(30));
        assertThat(r.exitCode()).isZero();
        assertThat(r.timedOut()).isFalse();
        assertThat(text(r)).isEqualTo("olleh\ndlrow\n");
        assertThat(r.stdout().text()).isEqualTo("reversed\n");
        assertThat(r.stderr().text()).isEqualTo("to-stderr\n");
        assertThat(r.timings().stages()).containsOnlyKeys(Timings.Stage.values());
    }

    @Test
    void guestTriesTheNetworkAndHasNone() throws Exception {
        try (ServerSocketChannel host = ServerSocketChannel.open()) {
            host.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            host.configureBlocking(false);
            int port = host.socket().getLocalPort();
            Result r = run("network", sh("ls /sys/class/net > /work/result; ip -o route >> /work/result;"
                    + " nc -w 2 10.0.0.1 80 </dev/null; echo \"nc 10.0.0.1 exit $?\" >&2;"
                    + " nc -w 2 127.0.0.1 " + port + " </dev/null; echo \"nc 127.0.0.1 exit $?\" >&2;"
                    + " wget -q -O /work/page http://10.0.0.1/; echo \"wget 10.0.0.1 exit $?\" >&2;"
                    + " nslookup leo.example; echo \"nslookup exit $?\" >&2"),
                    Map.of(), Limits.DEFAULT, Duration.ofSeconds(30));
            // Its only interface is its own loopback, and it has no route.
            assertThat(text(r).lines().toList()).containsExactly("lo");
            String err = r.stderr().text();
            assertThat(err).contains("can't connect to remote host (10.0.0.1): Network is unreachable", "nc 10.0.0.1 exit 1",
                    "wget 10.0.0.1 exit 1");
            // 127.0.0.1 in the guest is the guest's own loopback: the host's listener is not there.
            assertThat(err).contains("can't connect to remote host (127.0.0.1): Connection refused", "nc 127.0.0.1 exit 1");
            assertThat(err).containsPattern("nslookup exit [1-9]");
            assertThat(host.accept()).as("a connection reached the host's listener").isNull();
            try (Socket fromHost = new Socket(InetAddress.getLoopbackAddress(), port); SocketChannel accepted = awaitAccept(host)) {
                assertThat(fromHost.isConnected()).isTrue();
                assertThat(accepted).as("the host's listener works from the host").isNotNull();
            }
        }
    }

    private static SocketChannel awaitAccept(ServerSocketChannel s) throws Exception {
        for (int i = 0; i < 100; i++) {
            SocketChannel c = s.accept();
            if (c != null) {
                return c;
            }
            Thread.sleep(10);
        }
        return null;
    }

    @Test
    void guestWritesOutsideWorkAndIsRefused() throws Exception {
        Result r = run("read-only", sh("for d in / /etc /bin /tmp /dev /dev/shm /dev/mqueue /run /var/tmp /proc/sys/kernel /sys /work; do"
                + " if (echo x > $d/probe) 2>/dev/null; then echo \"$d writable\"; else echo \"$d refused\"; fi; done > /work/result;"
                + " (echo x >> /bin/busybox) 2>/dev/null && echo '/bin/busybox writable' >> /work/result;"
                + " mkdir /newdir 2>&1 | head -c 200 >&2; grep ' /work ' /proc/mounts >&2; grep ' / ' /proc/mounts >&2; id >&2"),
                Map.of(), Limits.DEFAULT, Duration.ofSeconds(30));
        assertThat(text(r).lines().toList()).containsExactly("/ refused", "/etc refused", "/bin refused", "/tmp refused", "/dev refused",
                "/dev/shm refused", "/dev/mqueue refused", "/run refused", "/var/tmp refused", "/proc/sys/kernel refused", "/sys refused",
                "/work writable");
        String err = r.stderr().text();
        assertThat(err).contains("Read-only file system");
        // The agent's tmpfs, as the guest sees it: its size and inode limits, owned by the guest, no set-user-id, no devices.
        assertThat(err).contains("leo-task-work /work tmpfs rw,nosuid,nodev,relatime,size=65536k,nr_inodes=4096,mode=700,uid=65534,gid=65534");
        assertThat(err).containsPattern("overlay / overlay ro,");
        assertThat(err).contains("uid=65534 gid=65534");
    }

    @Test
    void forkBombIsStoppedByThePidsLimit() throws Exception {
        Limits limits = Limits.DEFAULT.withPids(32);
        Result r = run("fork bomb", sh("f() { f | f & }; f; sleep 2; echo survived > /work/result"), Map.of(), limits, Duration.ofSeconds(20));
        long refused = r.stderr().text().lines().filter(l -> l.contains("can't fork")).count();
        System.out.println("fork bomb: " + refused + " lines of \"can't fork\" in the first " + r.stderr().kept().length + " of "
                + r.stderr().total() + " bytes of stderr");
        assertThat(refused).isPositive();
    }

    @Test
    void cpuLimitCapsABusyGuest() throws Exception {
        // A quarter of a CPU: 2 s of busy looping may use about 0.5 s of CPU time (2 s on one free core without the limit).
        Limits limits = new Limits(Limits.DEFAULT.memoryBytes(), 250_000_000L, Limits.DEFAULT.pids(), Limits.DEFAULT.workBytes(),
                Limits.DEFAULT.workInodes(), Limits.DEFAULT.resultBytes(), Limits.DEFAULT.outputBytes());
        Result r = run("cpu", sh("time timeout 2 sh -c 'while :; do :; done'; true"), Map.of(), limits, Duration.ofSeconds(30));
        String err = r.stderr().text();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("user\\s+(\\d+)m\\s*([0-9.]+)s\\s+sys\\s+(\\d+)m\\s*([0-9.]+)s").matcher(err);
        assertThat(m.find()).as("busybox time's output: " + err).isTrue();
        double cpu = Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2)) + Integer.parseInt(m.group(3)) * 60 + Double.parseDouble(m.group(4));
        System.out.printf("cpu: %.2f s of CPU in 2 s of busy loop at 0.25 CPU%n", cpu);
        assertThat(cpu).isBetween(0.2, 0.9);
    }

    @Test
    void guestPastItsTimeoutIsKilled() throws Exception {
        Result r = run("timeout", sh("echo started; sleep 600"), Map.of(), Limits.DEFAULT, Duration.ofSeconds(2));
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.stdout().text()).isEqualTo("started\n");
        assertThat(r.timings().stages().get(Timings.Stage.RUN)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(15));
        assertThat(r.result()).isEmpty();
        assertThat(r.resultProblem()).isEqualTo("the guest left no /work/result");
    }

    @Test
    void memoryLimitKillsAGreedyGuest() throws Exception {
        Limits limits = Limits.DEFAULT.withMemoryBytes(32L << 20);
        Result r = run("memory", sh("head -c 200000000 /dev/zero | tr '\\0' a | sort > /dev/null; echo \"sort exit $?\" > /work/result"),
                Map.of(), limits, Duration.ofSeconds(60));
        // the kernel killed sort at the limit (SIGKILL: 137), as the guest itself saw. Docker's OOMKilled flag comes from an
        // event delivered apart from the exit: on a loaded machine a guest that exits at once can be inspected before it
        // arrives (seen once in a CI run at load 13), so the flag is printed, not asserted (Result.oomKilled says so)
        assertThat(text(r)).isEqualTo("sort exit 137\n");
        System.out.println("memory: docker's OOMKilled flag " + r.oomKilled());
    }

    @Test
    void workVolumeIsSizeLimited() throws Exception {
        Limits limits = Limits.DEFAULT.withWork(1 << 20, 64);
        Result r = run("work full", sh("dd if=/dev/zero of=/work/big bs=1024 count=2000; echo \"exit $?\" >&2; rm /work/big; echo done > /work/result"),
                Map.of(), limits, Duration.ofSeconds(30));
        assertThat(r.stderr().text()).contains("dd: error writing '/work/big': No space left on device", "exit 1");
        assertThat(text(r)).isEqualTo("done\n");
    }

    @Test
    void outputIsBoundedAndCounted() throws Exception {
        Result r = run("output", sh("yes | head -c 1000000"), Map.of(), Limits.DEFAULT.withOutputBytes(1024), Duration.ofSeconds(30));
        assertThat(r.stdout().kept()).hasSize(1024);
        assertThat(r.stdout().total()).isEqualTo(1_000_000);
        assertThat(r.stdout().truncated()).isTrue();
    }

    @Test
    void resultThatIsASymlinkIntoTheHostIsRefused() throws Exception {
        Result r = run("symlink", sh("ln -s /etc/shadow /work/result"), Map.of(), Limits.DEFAULT, Duration.ofSeconds(30));
        assertThat(r.result()).isEmpty();
        assertThat(r.resultProblem()).isEqualTo("/work/result is a symbolic link (to /etc/shadow): refused");
    }

    @Test
    void resultThatIsAFifoIsRefusedWithoutBlocking() throws Exception {
        Result r = run("fifo", sh("mkfifo /work/result"), Map.of(), Limits.DEFAULT, Duration.ofSeconds(30));
        assertThat(r.result()).isEmpty();
        assertThat(r.resultProblem()).isEqualTo("/work/result is not a regular file: refused");
    }

    @Test
    void commandTheImageDoesNotHaveIsRefusedAndCleanedUp() throws Exception {
        sandbox.load(image.archive(), image.id());
        assertThatThrownBy(() -> sandbox.run(image.id(), List.of("/no/such/program"), Map.of("in", new byte[] {1}), Limits.DEFAULT,
                Duration.ofSeconds(30))).isInstanceOf(SandboxException.class)
                .hasMessageStartingWith("the engine refused the guest: ").hasMessageContaining("/no/such/program");
        // @AfterEach: the container, the work tmpfs and the image are gone all the same
    }

    @Test
    void resultLargerThanAllowedIsRefused() throws Exception {
        Result r = run("big result", sh("head -c 5000 /dev/zero > /work/result"), Map.of(), Limits.DEFAULT.withResultBytes(4096),
                Duration.ofSeconds(30));
        assertThat(r.result()).isEmpty();
        assertThat(r.resultProblem()).isEqualTo("/work/result has 5000 bytes, more than the 4096 allowed");
    }

    @Test
    void imageWithAnotherDigestIsRefusedBeforeTheEngineSeesIt() throws Exception {
        String other = TestImage.sha256("another image".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> sandbox.load(image.archive(), other)).isInstanceOf(SandboxException.class)
                .hasMessage("image " + other + " refused before loading: image archive has id " + image.id() + ", expected " + other);
    }

    @Test
    void imageWithAnotherDigestIsRefusedAndRemovedByTheCheckAfterTheLoad() throws Exception {
        String other = TestImage.sha256("another image".getBytes(StandardCharsets.UTF_8));
        try (Sandbox engineCheckOnly = new Sandbox(Sandbox.checkedClient(config), config, false)) {
            assertThatThrownBy(() -> engineCheckOnly.load(image.archive(), other)).isInstanceOf(SandboxException.class)
                    .hasMessage("image " + other + " refused: the engine loaded [" + image.id() + "], not " + other + "; removed [" + image.id() + "]");
        }
    }

    @Test
    void imageWithATamperedLayerIsRefused() throws Exception {
        String claimed = TestImage.sha256("not the layer".getBytes(StandardCharsets.UTF_8));
        TestImage tampered = TestImage.builder(busybox).diffId(claimed).build();
        assertThatThrownBy(() -> sandbox.load(tampered.archive(), tampered.id())).isInstanceOf(SandboxException.class)
                .hasMessageContaining("refused before loading: image " + tampered.id() + ": layer 1 (")
                .hasMessageEndingWith(", its config says " + claimed);
        try (Sandbox engineCheckOnly = new Sandbox(Sandbox.checkedClient(config), config, false)) {
            assertThatThrownBy(() -> engineCheckOnly.load(tampered.archive(), tampered.id())).isInstanceOf(SandboxException.class)
                    .hasMessageStartingWith("image " + tampered.id() + " refused: the engine refused the archive: ")
                    .hasMessageContaining("invalid diffID");
        }
    }

    @Test
    void imageThatDeclaresAVolumeIsRefused() throws Exception {
        TestImage withVolume = TestImage.builder(busybox).volume("/data").build();
        assertThatThrownBy(() -> sandbox.load(withVolume.archive(), withVolume.id())).isInstanceOf(SandboxException.class)
                .hasMessage("image " + withVolume.id() + " refused before loading: image " + withVolume.id()
                        + " declares volumes [/data]: each would be a writable directory outside /work, on the engine's disk");
        try (Sandbox engineCheckOnly = new Sandbox(Sandbox.checkedClient(config), config, false)) {
            assertThatThrownBy(() -> engineCheckOnly.load(withVolume.archive(), withVolume.id())).isInstanceOf(SandboxException.class)
                    .hasMessage("image " + withVolume.id() + " refused: it declares volumes [/data], each a writable directory outside /work on the"
                            + " engine's disk; removed [" + withVolume.id() + "]");
        }
    }

    @Test
    void verifyCleanReportsWhatIsLeft() throws Exception {
        try (DockerClient docker = Sandbox.checkedClient(config)) {
            sandbox.load(image.archive(), image.id());
            String container = docker.createContainerCmd(image.id()).withEntrypoint("/bin/sleep", "600")
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
            docker.startContainerCmd(container).exec();
            docker.createVolumeCmd().withName("leo-left-over").exec();
            CleanReport dirty;
            try (WorkVolume work = WorkVolume.mount(config.workRoot(), "task-left-over", Limits.DEFAULT)) {
                assertThat(work.dir()).isDirectory();
                dirty = sandbox.verifyClean(Duration.ofMillis(300));
            } finally {
                docker.removeContainerCmd(container).withForce(true).exec();
                docker.removeVolumeCmd("leo-left-over").exec();
                docker.removeImageCmd(image.id()).withForce(true).exec();
            }
            System.out.println("left on purpose: " + dirty);
            assertThat(dirty.clean()).isFalse();
            assertThat(dirty.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            String shortId = container.substring(0, 12);
            assertThat(dirty.leftovers()).contains("image " + image.id(), "volume leo-left-over (" + dockerd.dataRoot() + "/volumes/leo-left-over/_data)",
                    "work tmpfs still mounted at " + config.workRoot().resolve("task-left-over"),
                    "work directory " + config.workRoot().resolve("task-left-over") + " still exists");
            assertThat(dirty.leftovers()).anyMatch(l -> l.startsWith("container " + shortId + " /"));
            assertThat(dirty.leftovers()).anyMatch(l -> l.startsWith("containerd shim pid ") && l.endsWith(" of container " + shortId + " still running"));
        }
        // and nothing is left once they are removed: @AfterEach waits for the shim
    }

    @Test
    void theEnginesOwnSaveOfTheImageChecksToTheSameId() throws Exception {
        sandbox.load(image.archive(), image.id());
        try (DockerClient docker = Sandbox.checkedClient(config)) {
            try (InputStream saved = docker.saveImageCmd(image.id()).exec()) {
                assertThat(ImageArchive.verify(saved, image.id()).layers()).hasSize(1);
            } finally {
                docker.removeImageCmd(image.id()).withForce(true).exec();
            }
        }
    }

    @Test
    void badInputNameIsRefusedBeforeAnythingIsDone() throws Exception {
        sandbox.load(image.archive(), image.id());
        assertThatThrownBy(() -> sandbox.run(image.id(), sh("true"), Map.of("../escape", new byte[1]), Limits.DEFAULT, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../escape'");
        assertThat(sandbox.verifyClean(Duration.ZERO).leftovers()).containsExactly("image " + image.id());
        Result r = run("after a refused run", sh("cat /work/in > /work/result"), Map.of("in", new byte[] {1, 2, 3}), Limits.DEFAULT,
                Duration.ofSeconds(30));
        assertThat(r.result()).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
    }
}
