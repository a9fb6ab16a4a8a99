package org.leo.pxe;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.leo.pxe.net.Transport;

/**
 * The warm-up really exercises every serving path over real sockets: every DHCP exchange got its
 * ACK, every TFTP transfer ran to its last block, every HTTP request got a 200.
 */
class WarmupTest {
    @Test
    void warmsDhcpTftpAndHttpThroughTheRealServers() {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(2);
        try {
            Warmup.Summary s = Warmup.run(group, transport);

            assertThat(s.failure()).isEmpty();
            // 16 rounds x 4 clients x (DISCOVER, OFFER, REQUEST, ACK)
            assertThat(s.dhcpPackets()).isEqualTo(16 * 4 * 4);
            // 16 rounds x (script: OACK + 1 block; 4 MiB at blksize 1432: OACK + 2929 blocks, lock-step and windowed)
            assertThat(s.tftpPackets()).isEqualTo(16 * (2 + 2930 + 2930));
            assertThat(s.httpRequests()).isEqualTo(16 * 2);
        } finally {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }
}
