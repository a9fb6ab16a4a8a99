package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.leo.pxe.net.Transport;

/** The warm-up's private DHCP server answers real exchanges and leaves nothing behind. */
class DhcpWarmupTest {
    @Test
    void everyClientIsAckedAndThePrivateLeaseStoreIsRemoved() throws Exception {
        Transport transport = Transport.best();
        EventLoopGroup group = transport.newGroup(1);
        Path dir;
        try (DhcpWarmup warmup = DhcpWarmup.start(group, transport)) {
            dir = warmup.directory();
            assertThat(dir.resolve("leases.db")).exists();
            assertThat(warmup.round()).isEqualTo(16);
            assertThat(warmup.round()).isEqualTo(16); // the same clients again: renewed, not refused
        } finally {
            group.shutdownGracefully().syncUninterruptibly();
        }
        assertThat(Files.exists(dir)).isFalse();
    }
}
