package org.leo.image;

import java.io.IOException;
import java.util.List;

/**
 * The task engine of the {@code --with-docker} image variant (docs/booting.md "The image with the
 * task engine"): Debian's dockerd, its containerd with the runc shim, and runc, with their shared
 * libraries, all pinned in the lock; {@code /bin/leo-dockerd} (resource {@code dockerd.sh}), which
 * /init runs after the network and before the agent; the overlay module (overlay2 storage); and the
 * agent's system properties naming the engine's socket, exec-root and the work root of its task
 * sandbox.
 */
public final class DockerEngine {
    /** Of each engine package, the programs the engine runs (no docker CLI, no docker-proxy, no ctr). */
    static final List<List<String>> PROGRAMS = List.of(
            List.of("docker.io", "usr/sbin/dockerd"),
            List.of("containerd", "usr/bin/containerd", "usr/bin/containerd-shim-runc-v2"),
            List.of("runc", "usr/sbin/runc"));
    /**
     * The libraries they need beyond the base image's (readelf -d, then again on each library):
     * dockerd links libsystemd (libcap, libgcrypt, libgpg-error, liblzma, libzstd, liblz4) and
     * libdevmapper (libselinux, libpcre2-8, libudev); runc links libseccomp; containerd and the shim
     * only libc.
     */
    static final List<String> LIBRARY_PACKAGES = List.of("libseccomp2", "libsystemd0", "libdevmapper1.02.1", "libcap2", "libgcrypt20",
            "libgpg-error0", "liblzma5", "libzstd1", "liblz4-1", "libselinux1", "libudev1", "libpcre2-8-0");
    /** Kernel modules the engine needs that Debian builds as modules: overlayfs, for the overlay2 storage driver. */
    static final List<String> MODULES = List.of("overlay");
    /** The engine's socket, exec-root and the sandbox's work root, as /bin/leo-dockerd starts it; the agent's properties. */
    public static final String SOCKET = "unix:///run/docker.sock";
    public static final String EXEC_ROOT = "/run/docker";
    public static final String WORK_ROOT = "/run/leo/tasks";
    /**
     * The variant's kernel argument: AppArmor off. With AppArmor on, dockerd gives every container
     * its {@code docker-default} profile and loads it first with {@code apparmor_parser}, which the
     * image does not have (nor any other profile: nothing in the initramfs is confined), so no
     * container would start. Off, the guest's confinement is the rest of docs/tasks.md's table
     * (namespaces, no capabilities, seccomp, no-new-privileges, read-only root, cgroup limits).
     */
    public static final String KERNEL_ARGUMENT = "apparmor=0";

    private DockerEngine() {
    }

    /** The names of the packages the engine takes from the lock: its programs' and their libraries'. */
    static List<String> packages() {
        List<String> names = new java.util.ArrayList<>(PROGRAMS.stream().map(p -> p.get(0)).toList());
        names.addAll(LIBRARY_PACKAGES);
        return names;
    }

    /** Adds the engine's programs, libraries, start script and directories to {@code tree}. */
    static void addTo(Tree tree, InputsLock lock, DebCache cache) throws IOException {
        for (List<String> p : PROGRAMS) {
            InputsLock.Deb deb = lock.deb(p.get(0)).orElseThrow(() -> new IOException("--with-docker: the " + lock.arch() + " lock pins no "
                    + p.get(0) + " (see the engine's section of os-image/inputs.lock)"));
            java.nio.file.Path root = cache.unpacked(deb);
            for (String file : p.subList(1, p.size())) {
                tree.copy(root.resolve(file), file);
            }
        }
        for (String name : LIBRARY_PACKAGES) {
            InputsLock.Deb deb = lock.deb(name).orElseThrow(() -> new IOException("--with-docker: the " + lock.arch() + " lock pins no " + name));
            tree.copyTree(cache.unpacked(deb), "", HpcImageBuilder::sharedObjects);
        }
        tree.file("bin/leo-dockerd", 0755, HpcImageBuilder.resource("dockerd.sh"));
        tree.dir("var/lib/docker");
        tree.dir("etc/docker");
    }

    /** The agent's JVM options that tell it the engine: the defaults of its --task-engine, --task-exec-root and --task-root (AgentMain). */
    public static String agentProperties() {
        return "-Dleo.task.engine=" + SOCKET + "\n-Dleo.task.exec-root=" + EXEC_ROOT + "\n-Dleo.task.root=" + WORK_ROOT + "\n";
    }
}
