package org.leo.agent.task;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where the sandbox finds its engine and keeps its work volumes.
 *
 * @param dockerHost       the engine's socket, {@code unix:///run/docker.sock} on the HPC
 * @param workRoot         the directory under which each task's work tmpfs is mounted (on the HPC a
 *                         directory of its RAM root, e.g. {@code /run/leo/tasks})
 * @param engineExecRoot   dockerd's {@code --exec-root} ({@code /var/run/docker} by default), where it
 *                         pins network namespaces and its containerd's socket; null if unknown, and then
 *                         {@link Sandbox#verifyClean} checks shims by container id and no namespaces
 */
public record SandboxConfig(URI dockerHost, Path workRoot, Path engineExecRoot) {
    public SandboxConfig {
        if (!"unix".equals(dockerHost.getScheme())) {
            throw new IllegalArgumentException("the engine must be a local Unix socket (unix:///...), got " + dockerHost);
        }
        workRoot = workRoot.toAbsolutePath().normalize();
        engineExecRoot = engineExecRoot == null ? null : engineExecRoot.toAbsolutePath().normalize();
    }
}
