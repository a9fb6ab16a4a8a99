package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leo.pxe.tftp.TftpTestServer.randomBytes;
import static org.leo.pxe.tftp.TftpTestServer.sha256;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.leo.pxe.tftp.RawTftpClient.Packet;
import org.leo.pxe.testing.DirectoryBootFiles;

/** The server against commons-net's TFTPClient and a raw DatagramSocket client on loopback. */
class TftpServerTest {
    @TempDir
    Path root;
    TftpTestServer t;

    TftpTestServer start(UnaryOperator<TftpConfig> tweak) throws IOException {
        t = new TftpTestServer(root, tweak);
        return t;
    }

    TftpTestServer start() throws IOException {
        return start(c -> c);
    }

    @AfterEach
    void stop() {
        if (t != null) {
            t.close();
        }
    }

    private byte[] commonsNetFetch(String name, int mode) throws IOException {
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(Duration.ofSeconds(5));
        client.open();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.receiveFile(name, mode, out, t.address.getAddress(), t.address.getPort());
            return out.toByteArray();
        } finally {
            client.close();
        }
    }

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

    @Test
    void writeRequestsAreRefusedWithAccessViolation() throws Exception {
        start();
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(Duration.ofSeconds(5));
        client.open();
        try {
            assertThatThrownBy(() -> client.sendFile("upload", TFTP.BINARY_MODE,
                    new ByteArrayInputStream(new byte[10]), t.address.getAddress(), t.address.getPort()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only");
        } finally {
            client.close();
        }
        assertThat(t.refused("write")).isEqualTo(1);
        assertThat(Files.exists(root.resolve("upload"))).isFalse();
    }

    @Test
    void traversalAttemptsAreRefusedWithAccessViolationAndCounted() throws Exception {
        Path outside = Files.createTempDirectory("leot-outside");
        try {
            Files.writeString(outside.resolve("secret"), "secret");
            write(root, "ok", new byte[] {1});
            Files.createDirectories(root.resolve("a"));
            Files.createSymbolicLink(root.resolve("escape"), outside.resolve("secret"));
            Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
            start();
            List<String> attempts = List.of("../etc/passwd", "/etc/passwd", "a/../../x", "escape", "zero", "a");
            try (RawTftpClient c = new RawTftpClient(t.address)) {
                for (String name : attempts) {
                    c.rrq(name, "octet");
                    Packet p = c.receive();
                    assertThat(p.opcode()).as(name).isEqualTo(5);
                    assertThat(p.errorCode()).as(name).isEqualTo(2);
                    assertThat(p.errorMessage()).as(name).startsWith("access violation");
                }
                c.rrq("missing", "octet");
                assertThat(c.receive().errorCode()).isEqualTo(1);
            }
            assertThat(t.refused("ACCESS_VIOLATION")).isEqualTo(attempts.size());
            assertThat(t.refused("NOT_FOUND")).isEqualTo(1);
            assertThat(t.files.finishedCalls()).isEmpty();
        } finally {
            Files.deleteIfExists(outside.resolve("secret"));
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void malformedPacketsGetIllegalOperationOrSilenceAndAreCounted() throws Exception {
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.sendRaw(new byte[] {0}, t.address); // too short to answer: dropped
            c.sendRaw(new byte[] {0, 5, 0, 0, 'x'}, t.address); // an ERROR without NUL: never answered
            c.sendRaw(new byte[] {0, 9, 1, 2}, t.address);
            Packet p = c.receive(); // the first reply is for the third packet: the first two got none
            assertThat(p.opcode()).isEqualTo(5);
            assertThat(p.errorCode()).isEqualTo(4);
            assertThat(p.errorMessage()).isEqualTo("unknown opcode 9");
            c.sendRaw(new byte[] {0, 1, 'f', 0, 'o', 'c', 't', 'e', 't', 0, 'b', 'l', 'k', 's', 'i', 'z', 'e', 0}, t.address);
            p = c.receive();
            assertThat(p.errorCode()).isEqualTo(4);
            assertThat(p.errorMessage()).isEqualTo("RRQ option list is odd: option 'blksize' has no value");
            c.sendRaw(new byte[] {0, 4, 0, 1}, t.address); // an ACK on the request port
            assertThat(c.receive().errorCode()).isEqualTo(4);
        }
        assertThat(t.count(TftpMetrics.MALFORMED)).isEqualTo(5);
    }

    @Test
    void badOptionValueEndsWithOptionNegotiationError() throws Exception {
        write(root, "k", new byte[10]);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "blksize", "4");
            Packet p = c.receive();
            assertThat(p.errorCode()).isEqualTo(8);
            assertThat(p.errorMessage()).isEqualTo("option blksize 4 out of range (at least 8)");
        }
        assertThat(t.files.finishedCalls()).isEmpty();
    }

    @Test
    void sizeProbeEndsQuietlyAndIsReportedIncomplete() throws Exception {
        byte[] content = randomBytes(20_000, 5);
        write(root, "ipxe.efi", content);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            // OVMF: tsize 0 blksize 1468 windowsize 4, then ERROR 8 after the OACK.
            c.rrq("ipxe.efi", "octet", "tsize", "0", "blksize", "1468", "windowsize", "4");
            Packet oack = c.receive();
            assertThat(oack.oackOptions()).containsEntry("tsize", "20000");
            c.error(8, "User aborted the transfer");
            var finished = t.awaitFinished(1);
            assertThat(finished).hasSize(1);
            assertThat(finished.get(0).result().complete()).isFalse();
            assertThat(finished.get(0).result().note()).contains("size probe");
            assertThat(finished.get(0).result().bytesSent()).isZero();
            // ...and asks again, which is served in full.
            c.tid = null;
            assertThat(c.fetch("ipxe.efi", 1468, 4)).isEqualTo(content);
        }
        assertThat(t.awaitFinished(2)).hasSize(2);
        assertThat(t.count(TftpMetrics.PROBES)).isEqualTo(1);
        assertThat(t.count(TftpMetrics.INCOMPLETE)).isZero();
        assertThat(t.count(TftpMetrics.COMPLETED)).isEqualTo(1);
    }

    @Test
    void windowResendsFromTheBlockAfterTheAcknowledgedOne() throws Exception {
        byte[] content = randomBytes(512 * 9 + 100, 6); // 10 blocks
        write(root, "w", content);
        start(c -> c.withTimeout(Duration.ofSeconds(30), 1)); // no timer retransmissions in this test
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("w", "octet", "windowsize", "4");
            c.receive(); // OACK
            c.ack(0);
            List<Integer> firstWindow = blocks(c, 4);
            assertThat(firstWindow).containsExactly(1, 2, 3, 4);
            // Block 2 "was lost": the client acknowledges 1, the last in order (RFC 7440).
            c.ack(1);
            assertThat(blocks(c, 4)).containsExactly(2, 3, 4, 5);
            c.ack(5);
            assertThat(blocks(c, 4)).containsExactly(6, 7, 8, 9);
            c.ack(9);
            assertThat(blocks(c, 1)).containsExactly(10);
            c.ack(10);
        }
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isTrue();
        assertThat(result.sentSha256Hex()).isEqualTo(sha256(content));
        assertThat(result.bytesSent()).isEqualTo(content.length);
        assertThat(t.count(TftpMetrics.RETRANSMITS)).isEqualTo(3);
    }

    private static List<Integer> blocks(RawTftpClient c, int n) throws IOException {
        Integer[] b = new Integer[n];
        for (int i = 0; i < n; i++) {
            Packet p = c.receive();
            assertThat(p.opcode()).isEqualTo(3);
            b[i] = p.block();
        }
        return List.of(b);
    }

    @Test
    void duplicateAcksDoNotDuplicateData() throws Exception {
        byte[] content = randomBytes(512 * 3 + 1, 7); // 4 blocks
        write(root, "d", content);
        start(c -> c.withTimeout(Duration.ofSeconds(30), 1));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("d", "octet");
            assertThat(c.receive().block()).isEqualTo(1);
            c.ack(1);
            c.ack(1); // duplicated by the network
            c.ack(1);
            assertThat(c.receive().block()).isEqualTo(2);
            c.ack(2);
            // With the Sorcerer's Apprentice bug the next packet would be a second DATA 2.
            assertThat(c.receive().block()).isEqualTo(3);
            c.ack(3);
            c.ack(3);
            assertThat(c.receive().block()).isEqualTo(4);
            c.ack(4);
            assertThat(t.awaitFinished(1).get(0).result().complete()).isTrue();
            assertThat(c.packetsReceived).isEqualTo(4);
        }
        assertThat(t.count(TftpMetrics.RETRANSMITS)).isZero();
    }

    @Test
    void wrongTidGetsUnknownTransferIdAndTheTransferGoesOn() throws Exception {
        byte[] content = randomBytes(1500, 8);
        write(root, "x", content);
        start(c -> c.withTimeout(Duration.ofSeconds(30), 1));
        try (RawTftpClient c = new RawTftpClient(t.address); RawTftpClient intruder = new RawTftpClient(t.address)) {
            c.rrq("x", "octet");
            Packet data1 = c.receive();
            assertThat(data1.block()).isEqualTo(1);
            intruder.tid = c.tid;
            intruder.ack(1);
            Packet err = intruder.receive();
            assertThat(err.from()).isEqualTo(c.tid);
            assertThat(err.errorCode()).isEqualTo(5);
            assertThat(err.errorMessage()).isEqualTo("Unknown transfer ID");
            // The real client's transfer was not disturbed: block 2 comes only after ITS ack.
            c.ack(1);
            assertThat(c.receive().block()).isEqualTo(2);
            c.ack(2);
            Packet last = c.receive();
            assertThat(last.block()).isEqualTo(3);
            c.ack(3);
        }
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isTrue();
        assertThat(result.sentSha256Hex()).isEqualTo(sha256(content));
        assertThat(t.count(TftpMetrics.UNKNOWN_TID)).isEqualTo(1);
    }

    @Test
    void exhaustedRetriesEndTheTransferIncomplete() throws Exception {
        write(root, "r", randomBytes(2000, 9));
        start(c -> c.withTimeout(Duration.ofMillis(100), 2));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("r", "octet");
            // The client never ACKs: DATA 1, two retransmissions, then ERROR 0.
            assertThat(c.receive().block()).isEqualTo(1);
            assertThat(c.receive().block()).isEqualTo(1);
            assertThat(c.receive().block()).isEqualTo(1);
            Packet end = c.receive();
            assertThat(end.opcode()).isEqualTo(5);
            assertThat(end.errorCode()).isEqualTo(0);
        }
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isFalse();
        assertThat(result.note()).isEqualTo("no ACK for block 1 after 2 retransmissions");
        assertThat(result.bytesSent()).isEqualTo(512);
        assertThat(t.count(TftpMetrics.RETRANSMITS)).isEqualTo(2);
        assertThat(t.count(TftpMetrics.INCOMPLETE)).isEqualTo(1);
        assertThat(t.server.activeTransfers()).isZero();
    }

    @Test
    void blockNumbersWrapPast65535() throws Exception {
        // 8-byte blocks: 70 001 blocks, so block numbers wrap once.
        byte[] content = randomBytes(8 * 70_000 + 3, 10);
        write(root, "big", content);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            byte[] got = c.fetch("big", 8, 64);
            assertThat(got.length).isEqualTo(content.length);
            assertThat(sha256(got)).isEqualTo(sha256(content));
        }
        var result = t.awaitFinished(1).get(0).result();
        assertThat(result.complete()).isTrue();
        assertThat(result.sentSha256Hex()).isEqualTo(sha256(content));
    }

    @Test
    void requestsBeyondTheConcurrencyCapGetServerBusy() throws Exception {
        write(root, "b", randomBytes(5000, 11));
        start(c -> c.withMaxConcurrentTransfers(1).withTimeout(Duration.ofSeconds(30), 1));
        try (RawTftpClient first = new RawTftpClient(t.address); RawTftpClient second = new RawTftpClient(t.address)) {
            first.rrq("b", "octet");
            assertThat(first.receive().opcode()).isEqualTo(3); // running, not acknowledged
            second.rrq("b", "octet");
            Packet busy = second.receive();
            assertThat(busy.errorCode()).isEqualTo(0);
            assertThat(busy.errorMessage()).isEqualTo("server busy");
        }
        assertThat(t.refused("busy")).isEqualTo(1);
    }

    @Test
    void closingTheServerReportsRunningTransfersIncomplete() throws Exception {
        write(root, "c", randomBytes(5000, 12));
        start(c -> c.withTimeout(Duration.ofSeconds(30), 1));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("c", "octet");
            assertThat(c.receive().block()).isEqualTo(1);
            t.server.close();
        }
        var finished = t.awaitFinished(1);
        assertThat(finished).hasSize(1);
        assertThat(finished.get(0).result().complete()).isFalse();
    }

    @Test
    void manyConcurrentTransfersAllComplete() throws Exception {
        byte[] content = randomBytes(50_000, 13);
        write(root, "m", content);
        start();
        int clients = 200;
        RawTftpClient[] cs = new RawTftpClient[clients];
        try {
            for (int i = 0; i < clients; i++) {
                cs[i] = new RawTftpClient(t.address);
                cs[i].rrq("m", "octet", "blksize", "1432");
            }
            // Every transfer is open at once (each waits for ACK 0), then each is driven to the end.
            for (RawTftpClient c : cs) {
                assertThat(c.receive().opcode()).isEqualTo(6);
            }
            assertThat(t.server.activeTransfers()).isEqualTo(clients);
            for (RawTftpClient c : cs) {
                c.ack(0);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int expected = 1;
                while (true) {
                    Packet p = c.receive();
                    if (p.opcode() != 3 || p.block() != expected) {
                        continue; // an OACK or block retransmitted while this client waited its turn
                    }
                    out.writeBytes(p.payload());
                    c.ack(expected++);
                    if (p.payload().length < 1432) {
                        break;
                    }
                }
                assertThat(out.toByteArray()).isEqualTo(content);
            }
        } finally {
            for (RawTftpClient c : cs) {
                if (c != null) {
                    c.close();
                }
            }
        }
        assertThat(t.awaitFinished(clients)).hasSize(clients).allMatch(f -> f.result().complete());
    }
}
