package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.command.CreateContainerCmdImpl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the create request the sandbox sends to dockerd, as docker-java serialises it (null fields
 * left out): every setting the guest's confinement depends on (docs/tasks.md, "The sandbox (built)").
 * A change of {@code guest-create-request.json} is a change of the sandbox's security: make it on
 * purpose, with {@code -Dleo.golden.update=true}.
 */
class GuestConfigTest {
    static final Path GOLDEN = Path.of("src/test/resources/org/leo/agent/task/guest-create-request.json");
    private static final String IMAGE = "sha256:" + "ab".repeat(32);

    private static JsonNode request(List<String> command, Limits limits) {
        CreateContainerCmdImpl cmd = new CreateContainerCmdImpl(c -> null, null, IMAGE);
        GuestConfig.apply(cmd, "0123456789ab", command, limits, Path.of("/run/leo/tasks/task-0123456789ab"));
        JsonNode tree = new DefaultDockerClientConfig.Builder().withDockerHost("unix:///run/docker.sock").withDockerTlsVerify(false).build()
                .getObjectMapper().valueToTree(cmd);
        return withoutNulls(tree);
    }

    private static JsonNode withoutNulls(JsonNode n) {
        if (n instanceof ObjectNode o) {
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (e.getValue().isNull()) {
                    nulls.add(e.getKey());
                } else {
                    withoutNulls(e.getValue());
                }
            }
            o.remove(nulls);
        }
        n.forEach(c -> {
            if (!c.isObject()) {
                withoutNulls(c);
            }
        });
        return n;
    }

    @Test
    void createRequestIsPinned() throws IOException {
        String json = new DefaultDockerClientConfig.Builder().withDockerHost("unix:///run/docker.sock").withDockerTlsVerify(false).build().getObjectMapper()
                .copy().enable(SerializationFeature.INDENT_OUTPUT).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .writeValueAsString(request(List.of("/bin/sh", "-c", "true"), Limits.DEFAULT)) + "\n";
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.writeString(GOLDEN, json, StandardCharsets.UTF_8);
        }
        assertThat(GOLDEN).as("golden file (run with -Dleo.golden.update=true to create)").exists();
        assertThat(json).isEqualTo(Files.readString(GOLDEN, StandardCharsets.UTF_8));
    }

    @Test
    void confinementSettingsByName() {
        JsonNode h = request(List.of("/bin/true"), Limits.DEFAULT).path("HostConfig");
        assertThat(h.path("NetworkMode").asText()).isEqualTo("none");
        assertThat(h.path("ReadonlyRootfs").asBoolean()).isTrue();
        assertThat(h.path("IpcMode").asText()).isEqualTo("none");
        assertThat(h.path("CapDrop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(h.has("CapAdd")).isFalse();
        assertThat(h.path("SecurityOpt").toString()).isEqualTo("[\"no-new-privileges\"]");
        assertThat(h.path("Privileged").asBoolean()).isFalse();
        assertThat(h.path("Binds").toString()).isEqualTo("[\"/run/leo/tasks/task-0123456789ab:/work:rw\"]");
        assertThat(h.has("Mounts")).isFalse();
        assertThat(h.has("Tmpfs")).isFalse();
        assertThat(h.has("Devices")).isFalse();
        assertThat(h.path("LogConfig").path("Type").asText()).isEqualTo("none");
    }

    @Test
    void limitsGoWhereTheKernelEnforcesThem() {
        Limits l = new Limits(64L << 20, 500_000_000L, 16, 1 << 20, 32, 1024, 100);
        JsonNode h = request(List.of(), l).path("HostConfig");
        assertThat(h.path("Memory").asLong()).isEqualTo(64L << 20);
        assertThat(h.path("MemorySwap").asLong()).as("no swap: memory+swap = memory").isEqualTo(64L << 20);
        assertThat(h.path("NanoCpus").asLong()).isEqualTo(500_000_000L);
        assertThat(h.path("PidsLimit").asLong()).isEqualTo(16);
    }

    @Test
    void emptyCommandKeepsTheImageEntryPoint() {
        assertThat(request(List.of(), Limits.DEFAULT).has("Entrypoint")).isFalse();
        assertThat(request(List.of("/svc", "--x"), Limits.DEFAULT).path("Entrypoint").toString()).isEqualTo("[\"/svc\",\"--x\"]");
    }
}
