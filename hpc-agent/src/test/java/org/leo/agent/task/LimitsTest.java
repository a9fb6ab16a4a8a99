package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.Info;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The defaults pinned, each refusal by its sentence, the engine facts the sandbox requires, input names. */
class LimitsTest {
    @Test
    void defaultsArePinned() {
        assertThat(Limits.DEFAULT).isEqualTo(new Limits(256L << 20, 1_000_000_000L, 64, 64L << 20, 4096, 16L << 20, 65536));
    }

    @Test
    void refusesLimitsTheEngineOrTheKernelWouldNot() {
        assertThatThrownBy(() -> Limits.DEFAULT.withMemoryBytes(1 << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("memoryBytes must be at least 6 MiB (dockerd's minimum), got 1048576");
        assertThatThrownBy(() -> Limits.DEFAULT.withPids(0)).hasMessage("pids must be at least 1, got 0");
        assertThatThrownBy(() -> Limits.DEFAULT.withResultBytes((64L << 20) + 1))
                .hasMessage("resultBytes must be between 0 and workBytes (67108864), got 67108865");
        assertThatThrownBy(() -> new Limits(256L << 20, 1, 64, 64L << 20, 4096, 16L << 20, 65536))
                .hasMessage("nanoCpus must be at least 10000000 (0.01 CPU), got 1");
        assertThat(Limits.DEFAULT.withWork(1 << 20, 64).resultBytes()).as("the result cannot be larger than the volume").isEqualTo(1 << 20);
    }

    @Test
    void engineWithoutSeccompOrLimitsIsRefused() {
        Info full = new Info().withSecurityOptions(List.of("name=seccomp,profile=default")).withMemoryLimit(true).withSwapLimit(true)
                .withCpuCfsQuota(true);
        assertThat(Sandbox.engineProblems(full)).isEmpty();
        Info bare = new Info().withSecurityOptions(List.of("name=apparmor"));
        assertThat(Sandbox.engineProblems(bare)).containsExactly("no seccomp (security options [name=apparmor])", "no memory limit",
                "no swap limit", "no CPU quota (CFS)");
    }

    @Test
    void mountinfoEscapes() {
        assertThat(WorkVolume.unescape("/a\\040b\\011c\\134d")).isEqualTo("/a b\tc\\d");
        assertThat(WorkVolume.unescape("/plain\\04")).isEqualTo("/plain\\04");
    }

    @Test
    void inputNamesAreOnePlainPathElement() {
        WorkVolume.checkNames(List.of("input", "data.csv", "model_v2.bin", "a".repeat(128)));
        assertThatThrownBy(() -> WorkVolume.checkNames(List.of("ok", "../etc/passwd", "result", ".hidden", "a/b", "", "a".repeat(129))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input names must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127} and not be 'result', got ['../etc/passwd', 'result', '.hidden',"
                        + " 'a/b', '', '" + "a".repeat(120) + "...']");
    }
}
