package org.leo.agent.task;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.WaitResponse;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.leo.agent.task.Timings.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HPC agent's task sandbox over the HPC's own dockerd (docs/tasks.md, steps 4 to 7 on the HPC):
 * {@link #load} a service image checked against the digest on the ledger, {@link #run} one guest in a
 * container with no network, a read-only root, no capabilities, memory, CPU and pids limits and one
 * tmpfs at {@code /work} as its only writable place ({@link GuestConfig}, {@link WorkVolume}), read its
 * result, then remove the container, the work tmpfs and the image; {@link #verifyClean} proves that
 * nothing is left ({@link CleanCheck}).
 *
 * <p>The inputs are the decrypted capsules, given as bytes; the result is returned as bytes: sealing it
 * for the task owner is the caller's. One task at a time: clean means an empty engine.
 */
public final class Sandbox implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    /**
     * The engine API this client speaks: Debian 12's docker.io (20.10) serves 1.41, and a newer engine
     * reads a 1.41 request with 1.41's meaning.
     */
    static final RemoteApiVersion API = RemoteApiVersion.VERSION_1_41;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The attach must be in place before the start, or the first output is lost. */
    static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(10);
    /** After a SIGKILL, how long the engine may take to report the exit. */
    static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    /** How long the output stream may trail the exit. */
    static final Duration OUTPUT_DRAIN = Duration.ofSeconds(5);

    private final DockerClient docker;
    private final SandboxConfig config;
    private final ImageLoad images;
    private final Set<String> ran = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();

    Sandbox(DockerClient docker, SandboxConfig config, boolean checkArchiveBeforeLoad) {
        this.docker = docker;
        this.config = config;
        this.images = new ImageLoad(docker, checkArchiveBeforeLoad);
    }

    /** Connects to the engine and checks that it can enforce what a guest needs ({@link #engineProblems}). */
    public static Sandbox connect(SandboxConfig config) throws SandboxException {
        return new Sandbox(checkedClient(config), config, true);
    }

    static DockerClient checkedClient(SandboxConfig config) throws SandboxException {
        DockerClient docker = client(config.dockerHost(), (Duration) null);
        List<String> problems;
        try {
            docker.pingCmd().exec();
            Info info = docker.infoCmd().exec();
            problems = engineProblems(info);
            LOG.info("task engine at {}: dockerd {}, {} storage, cgroup {} ({})", config.dockerHost(), info.getServerVersion(), info.getDriver(),
                    info.getCGroupVersion(), info.getCGroupDriver());
        } catch (RuntimeException e) {
            closeQuietly(docker);
            throw new SandboxException("no engine at " + config.dockerHost() + ": " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            closeQuietly(docker);
            throw new SandboxException("the engine at " + config.dockerHost() + " cannot confine a guest: " + String.join("; ", problems));
        }
        return docker;
    }

    /** A client of the engine at {@code dockerHost}, not yet connected; {@code responseTimeout} null: none (attach and wait stream). */
    public static DockerClient client(java.net.URI dockerHost, Duration responseTimeout) {
        return client(dockerHost, http(dockerHost, responseTimeout));
    }

    /** The HTTP transport to the engine at {@code dockerHost}; {@code responseTimeout} null: none. */
    static DockerHttpClient http(java.net.URI dockerHost, Duration responseTimeout) {
        ZerodepDockerHttpClient.Builder builder = new ZerodepDockerHttpClient.Builder().dockerHost(dockerHost).connectionTimeout(CONNECT_TIMEOUT);
        return (responseTimeout == null ? builder : builder.responseTimeout(responseTimeout)).build();
    }

    static DockerClient client(java.net.URI dockerHost, DockerHttpClient http) {
        // A bare builder: the agent's engine is its configuration alone, not DOCKER_* variables or ~/.docker-java.properties.
        return DockerClientImpl.getInstance(new DefaultDockerClientConfig.Builder()
                .withDockerHost(dockerHost.toString()).withDockerTlsVerify(false).withApiVersion(API).build(), http);
    }

    /** What the engine lacks to enforce the guest's limits and its seccomp filter (it would ignore them with a warning). */
    static List<String> engineProblems(Info info) {
        List<String> p = new ArrayList<>();
        List<String> security = info.getSecurityOptions() == null ? List.of() : info.getSecurityOptions();
        if (security.stream().noneMatch(o -> o.startsWith("name=seccomp"))) {
            p.add("no seccomp (security options " + security + ")");
        }
        if (!Boolean.TRUE.equals(info.getMemoryLimit())) {
            p.add("no memory limit");
        }
        if (!Boolean.TRUE.equals(info.getSwapLimit())) {
            p.add("no swap limit");
        }
        if (!Boolean.TRUE.equals(info.getCpuCfsQuota())) {
            p.add("no CPU quota (CFS)");
        }
        return p;
    }

    /** Loads the image archive at {@code archive} if its id is {@code expectedDigest} (sha256:...). */
    public LoadedImage load(Path archive, String expectedDigest) throws IOException, SandboxException {
        return images.load(() -> Files.newInputStream(archive), expectedDigest);
    }

    /** Loads the image archive {@code archive} if its id is {@code expectedDigest} (sha256:...). */
    public LoadedImage load(byte[] archive, String expectedDigest) throws IOException, SandboxException {
        return images.load(() -> new ByteArrayInputStream(archive), expectedDigest);
    }

    /** Removes a loaded image that will not run (its task was refused after the load); one that is gone already is fine. */
    public void unload(LoadedImage image) {
        images.remove(image.id());
    }

    /**
     * Runs one guest of the loaded image {@code imageDigest}: {@code inputs} become {@code /work/NAME},
     * {@code command} (when not empty) replaces the image's entry point, and after the guest exits, or
     * is killed {@code timeout} after its start, {@code /work/result} is read. Then the container, the
     * work tmpfs and the image are removed, whatever happened before; what could not be is in
     * {@link Result#cleanUpErrors()}.
     *
     * @throws IllegalArgumentException a malformed digest, a timeout that is not positive, an input name that is not one plain
     *                                  path element or is "result" (nothing was done)
     * @throws SandboxException the engine refused the container, weakened its limits or could not start the command (the guest
     *                          did not run; the clean-up did)
     */
    public Result run(String imageDigest, List<String> command, Map<String, byte[]> inputs, Limits limits, Duration timeout)
            throws IOException, SandboxException {
        if (!ImageArchive.DIGEST.matcher(imageDigest).matches()) {
            throw new IllegalArgumentException("image digest must be sha256:<64 lower-case hex>, got '" + TarReader.shorten(imageDigest) + "'");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        WorkVolume.checkNames(inputs.keySet());
        String taskId = newTaskId();
        Timings.Clock clock = new Timings.Clock();
        GuestOutput output = new GuestOutput(limits.outputBytes());
        List<String> cleanUpErrors = new ArrayList<>();
        WorkVolume work = null;
        String container = null;
        int exit;
        boolean timedOut = false;
        boolean oom;
        WorkVolume.Read read;
        try {
            clock.start(Stage.COPY_IN);
            work = WorkVolume.mount(config.workRoot(), "task-" + taskId, limits);
            work.write(inputs);

            clock.start(Stage.CREATE);
            CreateContainerResponse created = GuestConfig.apply(docker.createContainerCmd(imageDigest), taskId, List.copyOf(command), limits, work.dir()).exec();
            container = created.getId();
            ran.add(container);
            if (created.getWarnings() != null && created.getWarnings().length > 0) {
                throw new SandboxException("the engine would weaken the guest's confinement: " + String.join("; ", created.getWarnings()));
            }

            clock.start(Stage.RUN);
            docker.attachContainerCmd(container).withStdOut(true).withStdErr(true).withFollowStream(true).withLogs(false).exec(output);
            if (!output.awaitStarted(ATTACH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SandboxException("could not attach to the guest's output within " + ATTACH_TIMEOUT.toSeconds() + " s");
            }
            docker.startContainerCmd(container).exec();
            Optional<Integer> status = awaitExit(container, timeout);
            if (status.isEmpty()) {
                timedOut = true;
                kill(container);
                if (awaitExit(container, KILL_TIMEOUT).isEmpty()) {
                    throw new SandboxException("the guest " + CleanCheck.shortId(container) + " did not stop within " + KILL_TIMEOUT.toSeconds() + " s of SIGKILL");
                }
            }
            output.awaitCompletion(OUTPUT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(container).exec().getState();
            exit = state.getExitCodeLong() == null ? -1 : state.getExitCodeLong().intValue();
            oom = Boolean.TRUE.equals(state.getOOMKilled());

            clock.start(Stage.COPY_OUT);
            read = work.readResult(limits.resultBytes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while the guest ran", e);
        } catch (DockerException | DockerClientException e) {
            throw new SandboxException("the engine refused the guest: " + e.getMessage().strip(), e);
        } finally {
            clock.start(Stage.CLEAN_UP);
            closeQuietly(output);
            if (container != null) {
                attempt(cleanUpErrors, "remove container " + CleanCheck.shortId(container), container, c ->
                        docker.removeContainerCmd(c).withForce(true).withRemoveVolumes(true).exec());
            }
            if (work != null) {
                WorkVolume w = work;
                attempt(cleanUpErrors, "unmount the work tmpfs " + w.dir(), w, WorkVolume::close);
            }
            attempt(cleanUpErrors, "remove image " + imageDigest, imageDigest, images::remove);
            clock.stop();
        }
        if (!cleanUpErrors.isEmpty()) {
            LOG.warn("task {}: clean-up incomplete: {}", taskId, cleanUpErrors);
        }
        return new Result(exit, timedOut, oom, Optional.ofNullable(read.bytes()), read.problem(), output.stdout(), output.stderr(),
                clock.timings(), cleanUpErrors);
    }

    /** What is left of past tasks, looking again until nothing is or {@code bound} has passed. */
    public CleanReport verifyClean(Duration bound) throws IOException {
        return new CleanCheck(docker, config.workRoot(), config.engineExecRoot(), ran).verify(bound);
    }

    @Override
    public void close() {
        closeQuietly(docker);
    }

    private String newTaskId() {
        byte[] b = new byte[6];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The guest's exit status, or empty if it is still running after {@code bound}. */
    private Optional<Integer> awaitExit(String container, Duration bound) throws InterruptedException {
        AtomicReference<Integer> status = new AtomicReference<>();
        ResultCallback.Adapter<WaitResponse> wait = docker.waitContainerCmd(container).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(WaitResponse r) {
                status.set(r.getStatusCode());
            }
        });
        try {
            wait.awaitCompletion(bound.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.ofNullable(status.get());
        } finally {
            closeQuietly(wait);
        }
    }

    private void kill(String container) {
        try {
            docker.killContainerCmd(container).withSignal("KILL").exec();
        } catch (ConflictException | NotFoundException exited) {
            // it exited between the timeout and the kill
        }
    }

    private interface Step<T> {
        void run(T t) throws Exception;
    }

    private static <T> void attempt(List<String> errors, String what, T target, Step<T> step) {
        try {
            step.run(target);
        } catch (NotFoundException gone) {
            // removed already
        } catch (Exception e) {
            errors.add("could not " + what + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a client or a finished stream; nothing to do about a failure
        }
    }
}
