package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;

/** A monitor's record of the boots it appraised TRUSTED in ATTEST rounds: durable, bounded, and a torn line skipped. */
class AttestedBootsTest {
    static final MacAddress HPC = MacAddress.parse("52:54:00:78:00:01");

    @TempDir
    Path dir;

    static byte[] digest(int b) {
        byte[] d = new byte[32];
        Arrays.fill(d, (byte) b);
        return d;
    }

    @Test
    void aBootRecordedIsReadBackAfterAReopenAndATornLineIsSkipped() throws Exception {
        Path file = dir.resolve("attested-boots.txt");
        try (AttestedBoots b = AttestedBoots.open(file, 8)) {
            b.put(7, HPC, new AttestedBoots.Seen(digest(1), "ab".repeat(32)));
            b.put(9, HPC, new AttestedBoots.Seen(digest(2), ""));
        }
        // a write cut short by a crash leaves a partial last line
        Files.writeString(file, "12 52:54:00:78:00:01 0a0b", StandardCharsets.US_ASCII, java.nio.file.StandardOpenOption.APPEND);
        try (AttestedBoots b = AttestedBoots.open(file, 8)) {
            assertThat(b.get(7, HPC)).hasValueSatisfying(s -> {
                assertThat(s.agentSha256()).isEqualTo(digest(1));
                assertThat(s.bootNonce()).isEqualTo("ab".repeat(32));
            });
            assertThat(b.get(9, HPC).orElseThrow().bootNonce()).as("no nonce").isEmpty();
            assertThat(b.get(12, HPC)).as("the torn line").isEmpty();
            assertThat(b.get(7, MacAddress.parse("52:54:00:78:00:02"))).isEmpty();
            b.put(12, HPC, new AttestedBoots.Seen(digest(3), "cd"));
        }
        assertThat(Files.readAllLines(file)).as("rewritten without the torn line, then appended").hasSize(3)
                .allMatch(l -> l.matches("\\d+ 52:54:00:78:00:01 [0-9a-f]{64} \\S+"));
        try (AttestedBoots b = AttestedBoots.open(file, 8)) {
            assertThat(b.get(12, HPC).orElseThrow().agentSha256()).isEqualTo(digest(3));
        }
    }

    @Test
    void onlyTheLastKeptAreKeptAndTheFileIsCompactedAtOpening() throws Exception {
        Path file = dir.resolve("attested-boots.txt");
        try (AttestedBoots b = AttestedBoots.open(file, 3)) {
            for (int t = 1; t <= 7; t++) {
                b.put(t, HPC, new AttestedBoots.Seen(digest(t), "n" + t));
            }
            assertThat(b.get(4, HPC)).as("beyond the last 3").isEmpty();
            assertThat(b.get(7, HPC)).isPresent();
        }
        assertThat(Files.readAllLines(file)).hasSize(7);
        try (AttestedBoots b = AttestedBoots.open(file, 3)) {
            assertThat(b.get(5, HPC)).isPresent();
            assertThat(b.get(4, HPC)).isEmpty();
        }
        assertThat(Files.readAllLines(file)).as("more than twice the bound: compacted to the last 3").hasSize(3);
    }

    @Test
    void aRecordThatCannotBeReadBackIsRefused() throws Exception {
        try (AttestedBoots b = AttestedBoots.open(dir.resolve("attested-boots.txt"), 3)) {
            assertThatThrownBy(() -> b.put(1, HPC, new AttestedBoots.Seen(digest(1), "a nonce with spaces")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> b.put(1, HPC, new AttestedBoots.Seen(new byte[31], "n"))).isInstanceOf(IllegalArgumentException.class);
            assertThat(b.get(1, HPC)).isEmpty();
        }
        assertThat(AttestedBoots.inMemory(2)).isNotNull();
    }
}
