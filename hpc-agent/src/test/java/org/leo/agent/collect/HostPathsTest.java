package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.CheckResult;

class HostPathsTest {
    @Test
    void realIsTheRunningSystemAndUnderIsACraftedTree() {
        assertThat(HostPaths.real()).isEqualTo(new HostPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"), Path.of("/")));
        assertThat(HostPaths.under(Path.of("/t"))).isEqualTo(
                new HostPaths(Path.of("/t/proc"), Path.of("/t/sys"), Path.of("/t/dev"), Path.of("/t/root")));
    }

    @Test
    void aFailedCheckBecomesACheckErrorWithItsSentence() {
        CheckResult r = CheckResults.error("disk_root", new IOException("vda (/dev/vda) is neither a block device nor a regular file"));
        assertThat(r.getError().getCheck()).isEqualTo("disk_root");
        assertThat(r.getError().getMessage()).isEqualTo("vda (/dev/vda) is neither a block device nor a regular file");
        assertThat(CheckResults.error("os", new IOException()).getError().getMessage()).isEqualTo("IOException");
        assertThat(CheckResults.error("os", new IOException("x".repeat(5000))).getError().getMessage())
                .hasSize(CheckResults.MAX_MESSAGE_LENGTH);
    }
}
