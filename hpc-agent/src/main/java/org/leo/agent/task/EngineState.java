package org.leo.agent.task;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.GraphDriver;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.leo.protocol.attest.v1.ContainerMount;
import org.leo.protocol.attest.v1.TaskContainer;

/**
 * What the HPC's container engine holds, read through its API for the task-state check
 * ({@code org.leo.agent.collect.TaskStateCollector}): every container (in any state) with what
 * {@code inspect} says of it, the image ids and the number of volumes. Claims of the engine: the
 * server checks each container against the kernel's view (namespaces, mount table) the agent sends
 * beside them. Bounded: at most {@link #MAX_CONTAINERS} containers inspected, {@link #MAX_IMAGES}
 * images and {@link #MAX_CONTAINER_MOUNTS} mounts a container listed; what is over a cap is a problem.
 *
 * @param containers sorted by id; {@code net_namespace} is left to the caller (it reads /proc)
 * @param imageIds   sorted
 * @param volumes    how many volumes
 * @param problems   what could not be read or was over a cap, one sentence each
 */
public record EngineState(List<TaskContainer> containers, List<String> imageIds, int volumes, List<String> problems) {
    public static final int MAX_CONTAINERS = 64;
    public static final int MAX_IMAGES = 64;
    public static final int MAX_CONTAINER_MOUNTS = 16;
    static final int MAX_TEXT = 1024;
    /** An engine that takes longer to list its state is a problem, not a stuck challenge (the deadline is 30 s). */
    static final java.time.Duration RESPONSE_TIMEOUT = java.time.Duration.ofSeconds(10);

    /** Reads the engine at {@code dockerHost} (a {@code unix://} socket); an engine that does not answer is one problem. */
    public static EngineState read(URI dockerHost) {
        DockerClient docker;
        try {
            docker = Sandbox.client(dockerHost, RESPONSE_TIMEOUT);
        } catch (RuntimeException e) {
            return new EngineState(List.of(), List.of(), 0, List.of("no engine at " + dockerHost + ": " + e.getMessage()));
        }
        try (docker) {
            return read(docker);
        } catch (RuntimeException e) {
            return new EngineState(List.of(), List.of(), 0, List.of("the engine at " + dockerHost + " did not answer: " + e.getMessage()));
        } catch (java.io.IOException e) {
            return new EngineState(List.of(), List.of(), 0, List.of("the engine client did not close: " + e.getMessage()));
        }
    }

    static EngineState read(DockerClient docker) {
        List<String> problems = new ArrayList<>();
        List<Container> listed = docker.listContainersCmd().withShowAll(true).exec();
        List<TaskContainer> containers = new ArrayList<>();
        for (Container c : listed.stream().sorted(Comparator.comparing(Container::getId)).toList()) {
            if (containers.size() >= MAX_CONTAINERS) {
                problems.add("the engine has " + listed.size() + " containers, only the first " + MAX_CONTAINERS + " are reported");
                break;
            }
            try {
                containers.add(container(docker.inspectContainerCmd(c.getId()).exec(), problems));
            } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
                // removed between the list and the inspect
            }
        }
        List<String> images = new ArrayList<>();
        List<Image> listedImages = docker.listImagesCmd().withShowAll(true).exec();
        for (Image i : listedImages.stream().sorted(Comparator.comparing(Image::getId)).toList()) {
            if (images.size() >= MAX_IMAGES) {
                problems.add("the engine has " + listedImages.size() + " images, only the first " + MAX_IMAGES + " are reported");
                break;
            }
            images.add(clip(i.getId()));
        }
        List<InspectVolumeResponse> volumes = docker.listVolumesCmd().exec().getVolumes();
        return new EngineState(List.copyOf(containers), List.copyOf(images), volumes == null ? 0 : volumes.size(), List.copyOf(problems));
    }

    private static TaskContainer container(InspectContainerResponse i, List<String> problems) {
        InspectContainerResponse.ContainerState s = i.getState();
        TaskContainer.Builder b = TaskContainer.newBuilder().setId(clip(i.getId())).setImageId(clip(i.getImageId()))
                .setState(clip(s == null || s.getStatus() == null ? "" : s.getStatus()));
        Long pid = s == null ? null : s.getPidLong();
        if (pid != null && pid > 0 && pid <= Integer.MAX_VALUE) {
            b.setPid(pid.intValue());
        }
        GraphDriver g = i.getGraphDriver();
        Object merged = g == null || g.getData() == null ? null : g.getData().getRawValues().get("MergedDir");
        if (merged instanceof String m) {
            b.setRootfs(clip(m));
        }
        if (i.getNetworkSettings() != null && i.getNetworkSettings().getSandboxKey() != null) {
            b.setSandboxKey(clip(i.getNetworkSettings().getSandboxKey()));
        }
        List<InspectContainerResponse.Mount> mounts = i.getMounts() == null ? List.of() : i.getMounts();
        for (InspectContainerResponse.Mount m : mounts) {
            if (b.getMountsCount() >= MAX_CONTAINER_MOUNTS) {
                problems.add("container " + CleanCheck.shortId(i.getId()) + " has " + mounts.size() + " mounts, only the first "
                        + MAX_CONTAINER_MOUNTS + " are reported");
                break;
            }
            Map<String, Object> raw = m.getRawValues();
            b.addMounts(ContainerMount.newBuilder().setType(clip(Objects.toString(raw.get("Type"), "")))
                    .setSource(clip(Objects.toString(m.getSource(), "")))
                    .setDestination(clip(m.getDestination() == null ? "" : m.getDestination().getPath()))
                    .setReadWrite(Boolean.TRUE.equals(m.getRW())));
        }
        return b.build();
    }

    private static String clip(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_TEXT));
        for (int k = 0; k < s.length() && k < MAX_TEXT; k++) {
            char c = s.charAt(k);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
