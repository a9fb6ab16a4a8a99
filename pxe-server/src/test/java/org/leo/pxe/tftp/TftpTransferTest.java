package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leo.pxe.tftp.TftpTestServer.randomBytes;
import static org.leo.pxe.tftp.TftpTestServer.sha256;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.pxe.tftp.RawTftpClient.Packet;

/** Transfer behaviour: size probes, windows, duplicate ACKs, foreign TIDs, retries, wrap, limits, shutdown. */
class TftpTransferTest extends TftpServerTestBase {
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
        int clients = 200;
        start(c -> c.withMaxTransfersPerClient(clients)); // all from 127.0.0.1: TftpSlotBoundsTest covers the per-client bound
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
