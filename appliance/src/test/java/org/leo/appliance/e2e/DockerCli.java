package org.leo.appliance.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.leo.agent.task.DockerdProcess;
import org.leo.pxe.vm.Exec;

/** The docker client against a test's private dockerd ({@link DockerdProcess}): {@code docker -H unix://.../docker.sock ...}. */
record DockerCli(DockerdProcess dockerd) {
    /** {@code docker ARGS...} as argv, for a process of its own. */
    List<String> argv(String... args) {
        List<String> argv = new ArrayList<>(List.of("docker", "-H", dockerd.socketUri().toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    /** {@code docker ARGS...}; its output, or an IOException with it on a non-zero exit. */
    String run(Duration timeout, String... args) throws IOException {
        List<String> argv = argv(args);
        Exec.Result r = Exec.run(timeout, argv);
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", argv) + " exited " + r.exitCode() + ": " + r.output().strip());
        }
        return r.output();
    }

    /** A shell command in {@code container}, as root. */
    Exec.Result shell(Duration timeout, String container, String shell) throws IOException {
        return Exec.run(timeout, argv("exec", container, "sh", "-c", shell));
    }
}
