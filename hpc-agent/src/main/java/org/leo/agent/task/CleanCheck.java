package org.leo.agent.task;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether the engine and the host hold anything of past tasks. The HPC's engine exists for tasks
 * only, so clean means empty:
 * <ul>
 *   <li>no container (in any state), no image, no volume, no network but the engine's own
 *       {@code none}, {@code host} and {@code bridge};</li>
 *   <li>no work tmpfs mounted under the work root, and nothing left in it;</li>
 *   <li>no containerd shim of this engine (or of a container this sandbox ran) alive;</li>
 *   <li>no network namespace pinned under the engine's exec-root ({@code netns/}); the empty
 *       placeholder files dockerd leaves there, collected about a minute later, are not namespaces and
 *       do not count.</li>
 * </ul>
 * A shim exits a moment (up to ~1.5 s) after its container is removed, so the check looks again
 * every {@link #POLL} until everything is gone or the bound has passed, and reports what was left then.
 */
final class CleanCheck {
    static final Duration POLL = Duration.ofMillis(100);
    /** Networks every engine has and no task creates. */
    static final Set<String> ENGINE_NETWORKS = Set.of("none", "host", "bridge");
    private static final int MAX_CMDLINE = 4096;

    private final DockerClient docker;
    private final Path workRoot;
    private final Path execRoot;
    private final Set<String> ranContainers;

    CleanCheck(DockerClient docker, Path workRoot, Path execRoot, Set<String> ranContainers) {
        this.docker = docker;
        this.workRoot = workRoot;
        this.execRoot = execRoot;
        this.ranContainers = ranContainers;
    }

    CleanReport verify(Duration bound) throws IOException {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        while (true) {
            List<String> left = look();
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            if (left.isEmpty() || System.nanoTime() >= deadline) {
                return new CleanReport(left.isEmpty(), left, waited);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CleanReport(false, left, waited);
            }
        }
    }

    /** Everything left right now, one sentence each. */
    List<String> look() throws IOException {
        List<String> left = new ArrayList<>();
        for (Container c : docker.listContainersCmd().withShowAll(true).exec()) {
            left.add("container " + shortId(c.getId()) + " " + String.join(",", c.getNames() == null ? new String[0] : c.getNames()) + " (" + c.getState() + ")");
        }
        for (Image i : docker.listImagesCmd().withShowAll(true).exec()) {
            List<String> tags = i.getRepoTags() == null ? List.of() : Arrays.stream(i.getRepoTags()).filter(t -> !t.equals("<none>:<none>")).toList();
            left.add("image " + i.getId() + (tags.isEmpty() ? "" : " " + tags));
        }
        List<InspectVolumeResponse> volumes = docker.listVolumesCmd().exec().getVolumes();
        for (InspectVolumeResponse v : volumes == null ? List.<InspectVolumeResponse>of() : volumes) {
            left.add("volume " + v.getName() + " (" + v.getMountpoint() + ")");
        }
        for (Network n : docker.listNetworksCmd().exec()) {
            if (!ENGINE_NETWORKS.contains(n.getName())) {
                left.add("network " + n.getName());
            }
        }
        for (String m : WorkVolume.mountsUnder(workRoot)) {
            if (!m.equals(workRoot.toString())) {
                left.add("work tmpfs still mounted at " + m);
            }
        }
        if (Files.isDirectory(workRoot)) {
            try (Stream<Path> s = Files.list(workRoot)) {
                s.forEach(p -> left.add("work directory " + p + " still exists"));
            }
        }
        left.addAll(shims());
        if (execRoot != null) {
            for (String m : WorkVolume.mountsUnder(execRoot.resolve("netns"))) {
                left.add("network namespace still pinned at " + m);
            }
        }
        return left;
    }

    /** containerd shims of this engine (by its socket under the exec-root) or of a container this sandbox ran. */
    private List<String> shims() {
        List<String> found = new ArrayList<>();
        String engineSocket = execRoot == null ? null : execRoot.resolve("containerd").toString() + "/";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String pid = p.getFileName().toString();
                if (!pid.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                List<String> args = cmdline(p.resolve("cmdline"));
                if (args.isEmpty() || !args.get(0).contains("containerd-shim")) {
                    continue;
                }
                int id = args.indexOf("-id");
                int address = args.indexOf("-address");
                String container = id >= 0 && id + 1 < args.size() ? args.get(id + 1) : "";
                boolean ours = ranContainers.contains(container)
                        || engineSocket != null && address >= 0 && address + 1 < args.size() && args.get(address + 1).startsWith(engineSocket);
                if (ours) {
                    found.add("containerd shim pid " + pid + " of container " + shortId(container) + " still running");
                }
            }
        } catch (IOException e) {
            found.add("cannot list /proc to look for shims: " + e.getMessage());
        }
        return found;
    }

    private static List<String> cmdline(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            String s = new String(in.readNBytes(MAX_CMDLINE), StandardCharsets.UTF_8);
            return s.isEmpty() ? List.of() : List.of(s.split("\0"));
        } catch (IOException e) {
            return List.of(); // the process has gone
        }
    }

    static String shortId(String id) {
        return id == null ? "?" : id.length() > 12 ? id.substring(0, 12) : id;
    }
}
