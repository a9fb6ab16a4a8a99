package org.leo.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChunkedFileTest {
    @Test
    void chunkCountIsTheCeilingAndTheLastChunkIsShort() {
        int c = 4096;
        assertThat(ChunkedFile.chunkCount(0, c)).isZero();
        assertThat(ChunkedFile.chunkCount(1, c)).isEqualTo(1);
        assertThat(ChunkedFile.chunkCount(4095, c)).isEqualTo(1);
        assertThat(ChunkedFile.chunkCount(4096, c)).isEqualTo(1);
        assertThat(ChunkedFile.chunkCount(4097, c)).isEqualTo(2);
        assertThat(ChunkedFile.chunkLength(4097, c, 0)).isEqualTo(4096);
        assertThat(ChunkedFile.chunkLength(4097, c, 1)).isEqualTo(1);
        assertThat(ChunkedFile.chunkCount(1L << 30, ChunkedFile.DEFAULT_CHUNK_SIZE)).isEqualTo(1024);
    }

    @Test
    void badChunkSizesAndOversizedTargetsAreRefusedWithASentence() {
        assertThatThrownBy(() -> ChunkedFile.checkChunkSize(5000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk size 5000 is not a power of two between 4096 and 67108864 bytes");
        assertThatThrownBy(() -> ChunkedFile.checkChunkSize(2048)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChunkedFile.checkChunkSize(128L << 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ChunkedFile.chunkCount(1L << 40, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a target of 1099511627776 bytes has 1048576 chunks of 1048576 bytes, over the cap of "
                        + "262144; use a chunk size of at least 4194304 bytes");
        assertThatThrownBy(() -> ChunkedFile.chunkLength(4096, 4096, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk 1 starts at byte 4096, outside a target of 4096 bytes");
    }

    @Test
    void chunkSizeForKeepsTheCountUnderTheCap() {
        assertThat(ChunkedFile.chunkSizeFor(1L << 30)).isEqualTo(ChunkedFile.DEFAULT_CHUNK_SIZE);
        assertThat(ChunkedFile.chunkSizeFor(256L << 30)).isEqualTo(1 << 20);
        assertThat(ChunkedFile.chunkSizeFor((256L << 30) + 1)).isEqualTo(2 << 20);
        assertThat(ChunkedFile.chunkSizeFor(1L << 40)).isEqualTo(4 << 20);
        assertThat(ChunkedFile.chunkSizeFor(1L << 50)).isEqualTo(ChunkedFile.MAX_CHUNK_SIZE);
    }
}
