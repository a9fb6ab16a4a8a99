package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.leo.protocol.attest.v1.MountEntry;

/**
 * Jazzer targets for the task-state check's parsers of untrusted kernel text: a mountinfo line and a
 * net/dev line with a namespace link. In a normal test run they replay the seeds in
 * {@code TaskParsersFuzzTestInputs/} (real lines of this machine's mount table, an escaped path with
 * optional fields, the agent's work tmpfs). Invariants: only {@link ProcFormatException} escapes; what is
 * accepted is bounded, printable and has the kernel's shape.
 */
class TaskParsersFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzMountInfo(byte[] input) {
        MountEntry m;
        try {
            m = MountInfo.parse(new String(input, StandardCharsets.UTF_8));
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(m.getMountPoint()).startsWith("/");
        assertThat(m.getFsType()).isNotEmpty();
        for (String f : new String[] {m.getMountPoint(), m.getFsType(), m.getSource(), m.getOptions()}) {
            assertThat(f.length()).isLessThanOrEqualTo(MountInfo.MAX_FIELD);
            assertThat(f.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
        }
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzNetDev(byte[] input) {
        String line = new String(input, StandardCharsets.UTF_8);
        try {
            String name = NetDev.interfaceName(line);
            assertThat(name).hasSizeBetween(1, NetDev.MAX_NAME).doesNotContain("/", " ", ":");
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
        try {
            assertThat(NetDev.namespaceInode(line, "net")).isNotNegative();
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
    }
}
