package org.leo.pxe.tftp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link TftpServer}.
 *
 * @param bindAddress            the local address of the well-known socket and of every transfer socket
 * @param port                   the well-known port (69; 0 picks an ephemeral port, for tests)
 * @param maxBlksize             the largest blksize granted (RFC 2348, 8..65464); larger requests are clamped
 * @param maxWindowsize          the largest windowsize granted (RFC 7440, 1..65535); larger requests are clamped
 * @param defaultTimeout         the retransmission timeout when the client sends no {@code timeout} option
 * @param retries                retransmissions of the same window before the transfer is given up
 * @param maxConcurrentTransfers transfers running at once; further RRQs get ERROR 0 "server busy"
 */
public record TftpConfig(InetAddress bindAddress, int port, int maxBlksize, int maxWindowsize,
                         Duration defaultTimeout, int retries, int maxConcurrentTransfers) {
    public static final int DEFAULT_PORT = 69;
    public static final int DEFAULT_MAX_WINDOWSIZE = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RETRIES = 5;
    public static final int DEFAULT_MAX_CONCURRENT_TRANSFERS = 1024;

    public TftpConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(defaultTimeout, "defaultTimeout");
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port + " out of range 0..65535");
        }
        if (maxBlksize < TftpCodec.MIN_BLKSIZE || maxBlksize > TftpCodec.MAX_BLKSIZE) {
            throw new IllegalArgumentException("maxBlksize " + maxBlksize + " out of range 8..65464");
        }
        if (maxWindowsize < 1 || maxWindowsize > TftpCodec.MAX_WINDOWSIZE) {
            throw new IllegalArgumentException("maxWindowsize " + maxWindowsize + " out of range 1..65535");
        }
        if (defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("defaultTimeout must be positive, got " + defaultTimeout);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        if (maxConcurrentTransfers < 1) {
            throw new IllegalArgumentException("maxConcurrentTransfers must be >= 1, got " + maxConcurrentTransfers);
        }
    }

    /** Port 69 on {@code bindAddress}, blksize up to 65464, windowsize up to 64, 1 s timeout, 5 retries, 1024 transfers. */
    public static TftpConfig defaults(InetAddress bindAddress) {
        return new TftpConfig(bindAddress, DEFAULT_PORT, TftpCodec.MAX_BLKSIZE, DEFAULT_MAX_WINDOWSIZE,
                DEFAULT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_MAX_CONCURRENT_TRANSFERS);
    }

    public TftpConfig withPort(int newPort) {
        return new TftpConfig(bindAddress, newPort, maxBlksize, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers);
    }

    public TftpConfig withMaxBlksize(int value) {
        return new TftpConfig(bindAddress, port, value, maxWindowsize, defaultTimeout, retries, maxConcurrentTransfers);
    }

    public TftpConfig withMaxWindowsize(int value) {
        return new TftpConfig(bindAddress, port, maxBlksize, value, defaultTimeout, retries, maxConcurrentTransfers);
    }

    public TftpConfig withTimeout(Duration value, int newRetries) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, value, newRetries, maxConcurrentTransfers);
    }

    public TftpConfig withMaxConcurrentTransfers(int value) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, defaultTimeout, retries, value);
    }
}
