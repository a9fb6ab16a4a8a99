package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.pxe.tftp.RawTftpClient.Packet;

/**
 * What a client cannot make the server hold: more than its share of the transfer table, a
 * retransmission timeout longer than {@link TftpConfig#MAX_TIMEOUT}, a slot for longer than
 * {@link TftpConfig#maxTransferTime()}. Every client here stops ACKing, so its transfer stays open.
 */
class TftpSlotBoundsTest extends TftpServerTestBase {
    /** Only reached when the server does not end the transfer; far above every bound the tests set. */
    private static final int BOUNDED_WAIT_MS = 20_000;

    @Test
    void fifthConcurrentTransferFromOneAddressIsRefusedButAnotherAddressIsServed() throws Exception {
        write(root, "k", new byte[4096]);
        start();
        List<RawTftpClient> holding = new ArrayList<>();
        try {
            for (int i = 0; i < TftpConfig.DEFAULT_MAX_TRANSFERS_PER_CLIENT; i++) {
                RawTftpClient c = new RawTftpClient(t.address);
                holding.add(c);
                c.rrq("k", "octet");
                assertThat(c.receive().opcode()).as("transfer %d", i).isEqualTo(3); // DATA 1, never ACKed
            }
            try (RawTftpClient fifth = new RawTftpClient(t.address)) {
                fifth.rrq("k", "octet");
                Packet p = fifth.receive();
                assertThat(p.opcode()).isEqualTo(5);
                assertThat(p.errorCode()).isEqualTo(0);
                assertThat(p.errorMessage()).isEqualTo("too many transfers from this address");
            }
            assertThat(t.refused("per-client")).isEqualTo(1);
            assertThat(t.server.activeTransfers()).isEqualTo(TftpConfig.DEFAULT_MAX_TRANSFERS_PER_CLIENT);

            try (RawTftpClient other = new RawTftpClient(t.address, InetAddress.getByName("127.0.0.2"))) {
                assertThat(other.fetch("k", 512, 1)).hasSize(4096);
            }

            holding.get(0).error(0, "gone"); // one slot is given back when its transfer ends
            t.awaitFinished(2);
            try (RawTftpClient again = new RawTftpClient(t.address)) {
                assertThat(again.fetch("k", 512, 1)).hasSize(4096);
            }
        } finally {
            holding.forEach(RawTftpClient::close);
        }
    }

    @Test
    void timeoutOptionAboveTheCapIsNotAcknowledgedAndNotWaitedFor() throws Exception {
        write(root, "k", new byte[4096]);
        start(c -> c.withTimeout(Duration.ofSeconds(1), 0)); // give up after one silent timeout
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "timeout", "255", "tsize", "0");
            Packet oack = c.receive();
            assertThat(oack.opcode()).isEqualTo(6);
            assertThat(oack.oackOptions()).containsExactly(java.util.Map.entry("tsize", "4096"));
            // no ACK: the server gives up after MAX_TIMEOUT (5 s), not after the 255 s asked for
            Packet end = c.receiveOrNull(BOUNDED_WAIT_MS);
            assertThat(end).as("ERROR after the capped timeout").isNotNull();
            assertThat(end.errorMessage()).isEqualTo("timed out");
        }
        assertThat(t.awaitFinished(1).get(0).result().note()).isEqualTo("no ACK for OACK after 0 retransmissions");
    }

    @Test
    void timeoutOptionWithinTheCapIsAcknowledged() throws Exception {
        write(root, "k", new byte[4096]);
        start();
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet", "timeout", String.valueOf(TftpConfig.MAX_TIMEOUT.toSeconds()));
            Packet oack = c.receive();
            assertThat(oack.oackOptions()).containsExactly(java.util.Map.entry("timeout", "5"));
        }
    }

    @Test
    void transferHoldingItsSlotLongerThanMaxTransferTimeIsEnded() throws Exception {
        write(root, "k", new byte[4096]);
        // 100 retries of 1 s would hold the slot for 101 s; the transfer time bound ends it after 2
        start(c -> c.withTimeout(Duration.ofSeconds(1), 100).withMaxTransferTime(Duration.ofSeconds(2)));
        try (RawTftpClient c = new RawTftpClient(t.address)) {
            c.rrq("k", "octet");
            Packet p = c.receive();
            long deadline = System.currentTimeMillis() + BOUNDED_WAIT_MS;
            while (p != null && p.opcode() == 3 && System.currentTimeMillis() < deadline) {
                p = c.receiveOrNull(BOUNDED_WAIT_MS); // DATA 1 again and again, never ACKed
            }
            assertThat(p).as("an ERROR ends the transfer").isNotNull();
            assertThat(p.opcode()).isEqualTo(5);
            assertThat(p.errorMessage()).isEqualTo("transfer took longer than 2 s");
        }
        assertThat(t.awaitFinished(1).get(0).result().note()).isEqualTo("transfer took longer than 2 s (at block 1)");
        assertThat(t.count(TftpMetrics.OVERTIME)).isEqualTo(1);
        assertThat(t.server.activeTransfers()).isZero();
    }
}
