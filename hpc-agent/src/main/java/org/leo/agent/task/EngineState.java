package org.leo.agent.task;

import com.github.dockerjava.api.DockerClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
    /** An inspect answer is a few KiB; a container with many mounts or labels tens. */
    static final int MAX_INSPECT_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An engine that takes longer to list its state is a problem, not a stuck challenge (the deadline is 30 s). */
    static final java.time.Duration RESPONSE_TIMEOUT = java.time.Duration.ofSeconds(10);

    /** Reads the engine at {@code dockerHost} (a {@code unix://} socket); an engine that does not answer is one problem. */
    public static EngineState read(URI dockerHost) {
        DockerHttpClient http;
        DockerClient docker;
        try {
            http = Sandbox.http(dockerHost, RESPONSE_TIMEOUT);
            docker = Sandbox.client(dockerHost, http);
        } catch (RuntimeException e) {
            return new EngineState(List.of(), List.of(), 0, List.of("no engine at " + dockerHost + ": " + e.getMessage()));
        }
        try (docker; http) {
            return read(docker, http);
        } catch (RuntimeException | IOException e) {
            return new EngineState(List.of(), List.of(), 0, List.of("the engine at " + dockerHost + " did not answer: " + e.getMessage()));
        }
    }

    static EngineState read(DockerClient docker, DockerHttpClient http) throws IOException {
        List<String> problems = new ArrayList<>();
        List<Container> listed = docker.listContainersCmd().withShowAll(true).exec();
        List<TaskContainer> containers = new ArrayList<>();
        for (Container c : listed.stream().sorted(Comparator.comparing(Container::getId)).toList()) {
            if (containers.size() >= MAX_CONTAINERS) {
                problems.add("the engine has " + listed.size() + " containers, only the first " + MAX_CONTAINERS + " are reported");
                break;
            }
            inspect(http, c.getId(), problems).ifPresent(containers::add);
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

    /**
     * {@code GET /containers/ID/json} read as JSON: docker-java's model leaves out {@code GraphDriver.Data.MergedDir} and
     * {@code Mounts[].Type}. Empty if the container has gone meanwhile.
     */
    private static Optional<TaskContainer> inspect(DockerHttpClient http, String id, List<String> problems) throws IOException {
        if (!id.matches("[0-9a-f]{1,64}")) {
            problems.add("the engine lists a container with id '" + clip(id) + "'");
            return Optional.empty();
        }
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path("/v" + Sandbox.API.getVersion() + "/containers/" + id + "/json").build();
        JsonNode i;
        try (DockerHttpClient.Response r = http.execute(request); InputStream body = r.getBody()) {
            if (r.getStatusCode() == 404) {
                return Optional.empty();
            }
            byte[] bytes = body.readNBytes(MAX_INSPECT_BYTES + 1);
            if (r.getStatusCode() != 200 || bytes.length > MAX_INSPECT_BYTES) {
                problems.add("the engine's inspect of container " + CleanCheck.shortId(id) + " answered " + r.getStatusCode()
                        + (bytes.length > MAX_INSPECT_BYTES ? " with more than " + MAX_INSPECT_BYTES + " bytes" : ""));
                return Optional.empty();
            }
            i = JSON.readTree(bytes);
        }
        JsonNode state = i.path("State");
        TaskContainer.Builder b = TaskContainer.newBuilder().setId(clip(i.path("Id").asText())).setImageId(clip(i.path("Image").asText()))
                .setState(clip(state.path("Status").asText()))
                .setRootfs(clip(i.path("GraphDriver").path("Data").path("MergedDir").asText()))
                .setSandboxKey(clip(i.path("NetworkSettings").path("SandboxKey").asText()));
        long pid = state.path("Pid").asLong();
        if (pid > 0 && pid <= Integer.MAX_VALUE) {
            b.setPid((int) pid);
        }
        JsonNode mounts = i.path("Mounts");
        for (JsonNode m : mounts) {
            if (b.getMountsCount() >= MAX_CONTAINER_MOUNTS) {
                problems.add("container " + CleanCheck.shortId(id) + " has " + mounts.size() + " mounts, only the first "
                        + MAX_CONTAINER_MOUNTS + " are reported");
                break;
            }
            b.addMounts(ContainerMount.newBuilder().setType(clip(m.path("Type").asText())).setSource(clip(m.path("Source").asText()))
                    .setDestination(clip(m.path("Destination").asText())).setReadWrite(m.path("RW").asBoolean()));
        }
        return Optional.of(b.build());
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
