package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The executor's configuration: its checks, and the image fetch's deadline sized for the image cap. */
class TaskExecutionsConfigTest {
    @Test
    void anImageFetchHasTheRpcDeadlinePlusTheCapAtTheSlowestRate() {
        TaskExecutions.Config d = TaskExecutions.Config.defaults();
        assertThat(d.rpcDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.maxImageBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(d.imageDeadline()).as("30 s + 2 GiB at 8 MiB/s").isEqualTo(Duration.ofSeconds(30 + 256));
        TaskExecutions.Config oneByte = new TaskExecutions.Config(1, d.certificateWait(), d.baselineWait(), d.poll(), Duration.ofSeconds(5),
                d.limits(), d.timeout(), d.maxResultBytes(), 1);
        assertThat(oneByte.imageDeadline()).as("a partial second counts as one").isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void attemptsDurationsAndCapsAreChecked() {
        TaskExecutions.Config d = TaskExecutions.Config.defaults();
        assertThatThrownBy(() -> d.withMaxAttempts(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts 0");
        assertThatThrownBy(() -> d.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> new TaskExecutions.Config(1, d.certificateWait(), d.baselineWait(), d.poll(), d.rpcDeadline(), d.limits(), d.timeout(),
                d.maxResultBytes(), 0)).isInstanceOf(IllegalArgumentException.class).hasMessage("the result and image caps are positive");
        assertThat(d.withTimeout(Duration.ofSeconds(7)).timeout()).isEqualTo(Duration.ofSeconds(7));
    }
}
