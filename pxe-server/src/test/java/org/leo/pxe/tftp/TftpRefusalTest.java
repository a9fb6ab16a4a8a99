package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.Test;
import org.leo.pxe.tftp.RawTftpClient.Packet;

/** Requests that must not start a transfer: writes, traversal, malformed packets, bad option values. */
class TftpRefusalTest extends TftpServerTestBase {
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
}
