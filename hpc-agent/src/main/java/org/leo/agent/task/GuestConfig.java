package org.leo.agent.task;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Ulimit;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one place that says what a guest container is allowed; a pure function of the limits, the
 * command and the work directory. What it sets, and why:
 * <ul>
 *   <li>no network: network mode {@code none} (a network namespace with only {@code lo}), networking disabled;</li>
 *   <li>a read-only root file system; the engine's {@code /etc/hosts}, {@code hostname} and
 *       {@code resolv.conf} are then mounted read-only too;</li>
 *   <li>one writable place: the agent's tmpfs {@link WorkVolume} bound at {@code /work} (read-write);</li>
 *   <li>no {@code /dev/shm}: IPC mode {@code none} (a private IPC namespace without the shared-memory
 *       tmpfs, which would be a second writable place);</li>
 *   <li>the unprivileged user 65534:65534 (nobody), every capability dropped, {@code no-new-privileges}
 *       (no set-user-id gain), not privileged, no devices; the engine's default seccomp profile applies
 *       ({@link Sandbox} refuses an engine without seccomp);</li>
 *   <li>memory without swap (memory+swap = memory), CPU time (nano-CPUs), a pids limit; the guest is
 *       the first the kernel's OOM killer picks (oom_score_adj 1000); no core dumps (core ulimit 0, below
 *       any hard limit);</li>
 *   <li>log driver {@code none}: the engine writes nothing of the guest's output to its disk; the agent
 *       reads stdout and stderr through an attach, bounded;</li>
 *   <li>no restart, no health check (the image's would run commands in the guest), the agent removes it.</li>
 * </ul>
 * The image's own user, volumes and network settings do not apply: the user is overridden here, an image
 * that declares volumes is refused at load ({@link ImageArchive}, {@link ImageLoad}).
 */
final class GuestConfig {
    /** nobody:nogroup on Debian; the work volume belongs to it. */
    static final int GUEST_UID = 65534;
    static final int GUEST_GID = 65534;
    static final String WORK = "/work";
    static final String LABEL = "org.leo.task";
    /** The kernel's highest: under host memory pressure the guest goes before the agent and dockerd. */
    static final int OOM_SCORE_ADJ = 1000;

    private GuestConfig() {
    }

    /** The engine-side limits and isolation of a guest whose work volume is {@code workDir} on the host. */
    static HostConfig hostConfig(Limits limits, Path workDir) {
        return HostConfig.newHostConfig()
                .withNetworkMode("none")
                .withReadonlyRootfs(true)
                .withBinds(new Bind(workDir.toString(), new Volume(WORK), AccessMode.rw))
                .withIpcMode("none")
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withPrivileged(false)
                .withMemory(limits.memoryBytes())
                .withMemorySwap(limits.memoryBytes())
                .withNanoCPUs(limits.nanoCpus())
                .withPidsLimit(limits.pids())
                .withOomKillDisable(false)
                .withOomScoreAdj(OOM_SCORE_ADJ)
                .withUlimits(List.of(new Ulimit("core", 0L, 0L)))
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE))
                .withRestartPolicy(RestartPolicy.noRestart())
                .withAutoRemove(false);
    }

    /**
     * Fills {@code cmd} (a create for the image) for task {@code taskId}: the host config above, the guest
     * user, {@code /work} as working directory, stdout and stderr attachable, no stdin, and
     * {@code command} as the entry point when it is not empty (else the image's own entry point and command).
     */
    static CreateContainerCmd apply(CreateContainerCmd cmd, String taskId, List<String> command, Limits limits, Path workDir) {
        cmd.withName("leo-task-" + taskId)
                .withLabels(Map.of(LABEL, taskId))
                .withHostConfig(hostConfig(limits, workDir))
                .withUser(GUEST_UID + ":" + GUEST_GID)
                .withWorkingDir(WORK)
                .withHostName("task")
                .withNetworkDisabled(true)
                .withHealthcheck(new HealthCheck().withTest(List.of("NONE")))
                .withAttachStdin(false)
                .withStdinOpen(false)
                .withTty(false)
                .withAttachStdout(true)
                .withAttachStderr(true);
        if (!command.isEmpty()) {
            cmd.withEntrypoint(command);
        }
        return cmd;
    }
}
