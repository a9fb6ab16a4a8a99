package org.leo.image.flash;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the mountinfo and swaps parsers: mount points are chosen by whoever mounts (FUSE, user namespaces), so the
 * text is not all the kernel's. Whatever the bytes, a list of well-formed entries and never an exception.
 */
class MountTableFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        for (MountTable.Mount m : MountTable.parseMountInfo(text)) {
            assertThat(m.mountPoint()).isNotNull();
            assertThat(m.devNumber()).matches("-?\\d+:-?\\d+");
        }
        for (MountTable.Swap s : MountTable.parseSwaps(text)) {
            assertThat(s.path()).startsWith("/");
        }
    }
}
