package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leo.pxe.tftp.TftpTestServer.randomBytes;
import static org.leo.pxe.tftp.TftpTestServer.sha256;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 MiB over loopback: slow (tens of seconds lock-step), so tagged "system". Needs no packages.
 * At 512-byte blocks the file has 131 073 blocks: block numbers wrap twice.
 */
@Tag("system")
class TftpLargeFileSystemTest {
    private static final int SIZE = 64 << 20;

    @TempDir
    Path root;
    TftpTestServer t;

    @AfterEach
    void stop() {
        if (t != null) {
            t.close();
        }
    }

    @Test
    void commonsNetFetches64MiBAcrossBlockNumberWraps() throws Exception {
        byte[] content = randomBytes(SIZE, 64);
        write(root, "big", content);
        t = new TftpTestServer(root, c -> c);
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(Duration.ofSeconds(5));
        client.open();
        ByteArrayOutputStream out = new ByteArrayOutputStream(SIZE);
        try {
            client.receiveFile("big", TFTP.BINARY_MODE, out, t.address.getAddress(), t.address.getPort());
        } finally {
            client.close();
        }
        assertThat(out.size()).isEqualTo(SIZE);
        assertThat(sha256(out.toByteArray())).isEqualTo(sha256(content));
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isTrue();
        assertThat(result.sentSha256Hex()).isEqualTo(sha256(content));
    }

    @Test
    void rawClientFetches64MiBWithWindowsize16() throws Exception {
        byte[] content = randomBytes(SIZE, 65);
        write(root, "big", content);
        t = new TftpTestServer(root, c -> c);
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            byte[] got = c.fetch("big", 1432, 16);
            assertThat(sha256(got)).isEqualTo(sha256(content));
        }
        assertThat(t.awaitFinished(1).get(0).result().complete()).isTrue();
    }
}
