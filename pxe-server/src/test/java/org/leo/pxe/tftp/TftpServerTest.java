package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leo.pxe.tftp.TftpTestServer.randomBytes;
import static org.leo.pxe.tftp.TftpTestServer.sha256;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.leo.pxe.tftp.RawTftpClient.Packet;
import org.leo.pxe.testing.DirectoryBootFiles;

/** Fetches, option negotiation and netascii against commons-net TFTPClient and a raw client on loopback. */
class TftpServerTest extends TftpServerTestBase {
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 511, 512, 513, 1024, 100_000})
    void commonsNetFetchesEachSizeIntact(int size) throws Exception {
        byte[] content = randomBytes(size, size);
        write(root, "f" + size, content);
        start();

        byte[] got = commonsNetFetch("f" + size, TFTP.BINARY_MODE);

        assertThat(got).hasSize(size);
        assertThat(sha256(got)).isEqualTo(sha256(content));
        List<DirectoryBootFiles.Finished> finished = t.awaitFinished(1);
        assertThat(finished).hasSize(1);
        assertThat(finished.get(0).result().complete()).isTrue();
        assertThat(finished.get(0).result().bytesSent()).isEqualTo(size);
        assertThat(finished.get(0).result().sentSha256Hex()).isEqualTo(sha256(content));
        assertThat(t.count(TftpMetrics.COMPLETED)).isEqualTo(1);
        assertThat(t.count(TftpMetrics.REQUESTS)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 512, 1432, 65464})
    void blksizeEdgesAreNegotiatedAndServed(int blksize) throws Exception {
        byte[] content = randomBytes(3 * blksize + 7, blksize);
        write(root, "k", content);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "blksize", Integer.toString(blksize), "tsize", "0");
            Packet oack = c.receive();
            assertThat(oack.opcode()).isEqualTo(6);
            assertThat(oack.oackOptions()).containsExactly(
                    Map.entry("blksize", Integer.toString(blksize)), Map.entry("tsize", Integer.toString(content.length)));
            c.ack(0);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (int block = 1; block <= 4; block++) {
                Packet data = c.receive();
                assertThat(data.opcode()).isEqualTo(3);
                assertThat(data.block()).isEqualTo(block);
                assertThat(data.payload().length).isEqualTo(block < 4 ? blksize : 7);
                got.writeBytes(data.payload());
                c.ack(block);
            }
            assertThat(got.toByteArray()).isEqualTo(content);
        }
        assertThat(t.awaitFinished(1).get(0).result().complete()).isTrue();
    }

    @Test
    void blksizeAboveTheConfiguredMaximumIsClamped() throws Exception {
        write(root, "k", randomBytes(5000, 1));
        start(c -> c.withMaxBlksize(1468));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "blksize", "65464");
            assertThat(c.receive().oackOptions()).containsExactly(Map.entry("blksize", "1468"));
        }
    }

    @Test
    void optionNamesAreCaseInsensitiveFirstDuplicateWinsUnknownIgnored() throws Exception {
        write(root, "k", randomBytes(3000, 2));
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "OcTeT", "x-vendor", "1", "BLKSIZE", "1024", "blksize", "2048", "TimeOut", "3");
            Packet oack = c.receive();
            assertThat(oack.oackOptions()).containsExactly(Map.entry("blksize", "1024"), Map.entry("timeout", "3"));
        }
    }

    @Test
    void tsizeIsNotAcknowledgedForAnEmptyFile() throws Exception {
        write(root, "empty", new byte[0]);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("empty", "octet", "tsize", "0", "blksize", "1432");
            assertThat(c.receive().oackOptions()).containsExactly(Map.entry("blksize", "1432"));
            c.ack(0);
            Packet data = c.receive();
            assertThat(data.block()).isEqualTo(1);
            assertThat(data.payload()).isEmpty();
            c.ack(1);
            c.tid = null;
            c.rrq("empty", "octet", "tsize", "0"); // nothing left to acknowledge: no OACK at all
            assertThat(c.receive().opcode()).isEqualTo(3);
        }
    }

    @Test
    void onlyUnknownOptionsMeansNoOackAndDataFirst() throws Exception {
        write(root, "k", randomBytes(100, 3));
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "x-vendor", "1");
            Packet first = c.receive();
            assertThat(first.opcode()).isEqualTo(3);
            assertThat(first.block()).isEqualTo(1);
        }
    }

    @Test
    void windowsizeIsCappedByConfig() throws Exception {
        write(root, "k", randomBytes(100_000, 4));
        start(c -> c.withMaxWindowsize(8));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            assertThat(c.fetch("k", 1024, 16)).isEqualTo(Files.readAllBytes(root.resolve("k")));
        }
    }

    @Test
    void netasciiConvertsLineEndsAndReportsTheConvertedTsize() throws Exception {
        // 8-byte blocks make CR LF and CR NUL pairs straddle block boundaries.
        byte[] text = "line1\nline2\r\nbare\rcr\n\n\r\rend".getBytes(StandardCharsets.US_ASCII);
        byte[] expected = "line1\r\nline2\r\0\r\nbare\r\0cr\r\n\r\n\r\0\r\0end".getBytes(StandardCharsets.US_ASCII);
        write(root, "t.txt", text);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("t.txt", "netascii", "blksize", "8", "tsize", "0");
            Packet oack = c.receive();
            assertThat(oack.oackOptions()).containsEntry("tsize", Integer.toString(expected.length));
            c.ack(0);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int block = 0;
            while (true) {
                Packet p = c.receive();
                assertThat(p.block()).isEqualTo(++block);
                got.writeBytes(p.payload());
                c.ack(block);
                if (p.payload().length < 8) {
                    break;
                }
            }
            assertThat(got.toByteArray()).isEqualTo(expected);
        }
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isTrue();
        assertThat(result.sentSha256Hex()).isEqualTo(sha256(expected));
    }

    @Test
    void commonsNetAsciiModeGetsTheOriginalTextBack() throws Exception {
        byte[] text = "#!ipxe\nkernel vmlinuz\ninitrd initrd.img\nboot\n".repeat(50).getBytes(StandardCharsets.US_ASCII);
        write(root, "boot.ipxe", text);
        start();
        byte[] got = commonsNetFetch("boot.ipxe", TFTP.ASCII_MODE);
        // commons-net turns CR LF back into the local line separator (LF here); it does not undo CR NUL.
        assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(new String(text, StandardCharsets.US_ASCII));
    }
}
