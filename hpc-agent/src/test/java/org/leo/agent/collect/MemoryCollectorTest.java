package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.MemoryCheck;
import org.leo.protocol.attest.v1.MemoryDigest;
import org.leo.protocol.attest.v1.MemoryRegionRead;

class MemoryCollectorTest {
    @TempDir
    Path dir;
    private byte[] kcore;
    private MemoryCollector collector;
    private final byte[] nonce = new byte[32];

    @BeforeEach
    void craftKcore() throws Exception {
        kcore = new byte[64 * 1024];
        new Random(1).nextBytes(kcore);
        new Random(2).nextBytes(nonce);
        Files.createDirectories(dir.resolve("proc"));
        Files.write(dir.resolve("proc/kcore"), kcore);
        collector = new MemoryCollector(HostPaths.under(dir),
                Map.of("kcore:kernel_text", new MemoryRegion(Path.of("kcore"), 4096, 32 * 1024),
                        "kcore:past_end", new MemoryRegion(Path.of("kcore"), 60 * 1024, 16 * 1024)));
    }

    private static MemoryCheck reads(Object... regionOffsetLength) {
        MemoryCheck.Builder b = MemoryCheck.newBuilder();
        for (int i = 0; i < regionOffsetLength.length; i += 3) {
            b.addReads(MemoryRegionRead.newBuilder().setRegion((String) regionOffsetLength[i])
                    .setOffset(((Number) regionOffsetLength[i + 1]).longValue())
                    .setLength(((Number) regionOffsetLength[i + 2]).intValue()));
        }
        return b.build();
    }

    private byte[] keyed(int from, int to) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(nonce);
        return md.digest(Arrays.copyOfRange(kcore, from, to));
    }

    @Test
    void readsAreKeyedDigestsOfTheBytesAtBasePlusOffset() throws Exception {
        var r = collector.collect(reads("kcore:kernel_text", 0, 4096, "kcore:kernel_text", 1000, 20000), nonce);
        assertThat(r.getDigestsList()).extracting(MemoryDigest::getRegion, MemoryDigest::getOffset, MemoryDigest::getLength)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("kcore:kernel_text", 0L, 4096),
                        org.assertj.core.groups.Tuple.tuple("kcore:kernel_text", 1000L, 20000));
        assertThat(r.getDigests(0).getKeyedDigest().toByteArray()).isEqualTo(keyed(4096, 8192));
        assertThat(r.getDigests(1).getKeyedDigest().toByteArray()).isEqualTo(keyed(5096, 25096));
    }

    @Test
    void aFileShorterThanTheRegionDigestsWhatWasRead() throws Exception {
        var d = collector.collect(reads("kcore:past_end", 0, 16 * 1024), nonce).getDigests(0);
        assertThat(d.getLength()).isEqualTo(4096);
        assertThat(d.getKeyedDigest().toByteArray()).isEqualTo(keyed(60 * 1024, 64 * 1024));
    }

    @Test
    void badReadsFailTheCheckWithASentence() {
        assertThatThrownBy(() -> collector.collect(reads("kcore:modules", 0, 16), nonce))
                .isInstanceOf(CollectException.class)
                .hasMessage("memory region \"kcore:modules\" is not named in the policy");
        assertThatThrownBy(() -> collector.collect(reads("kcore:kernel_text", 32 * 1024 - 8, 16), nonce))
                .isInstanceOf(CollectException.class)
                .hasMessage("memory read [32760, +16) is outside region \"kcore:kernel_text\" of 32768 bytes");
        assertThatThrownBy(() -> collector.collect(reads("kcore:kernel_text", -1L, 16), nonce))
                .isInstanceOf(CollectException.class)
                .hasMessage("memory read [18446744073709551615, +16) is outside region \"kcore:kernel_text\" of 32768 bytes");
        assertThatThrownBy(() -> collector.collect(reads("kcore:kernel_text", 0, -1), nonce))
                .isInstanceOf(CollectException.class)
                .hasMessage("memory read of 4294967295 bytes from \"kcore:kernel_text\" is over the cap of 16777216 bytes");
        Object[] many = new Object[3 * (MemoryCollector.MAX_READS + 1)];
        for (int i = 0; i < many.length; i += 3) {
            many[i] = "kcore:kernel_text";
            many[i + 1] = 0;
            many[i + 2] = 1;
        }
        assertThatThrownBy(() -> collector.collect(reads(many), nonce))
                .isInstanceOf(CollectException.class)
                .hasMessage("memory check asks for 65 reads; at most 64 are answered");
    }
}
