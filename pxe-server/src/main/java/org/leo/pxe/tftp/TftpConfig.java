package org.leo.pxe.tftp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
 * @param maxTransfersPerClient  transfers running at once for one client address; further RRQs from it get
 *                               ERROR 0 "too many transfers from this address" (see {@link TransferSlots})
 * @param maxTransferTime        the longest a transfer may hold its slot, however the client paces its ACKs;
 *                               then it ends with ERROR 0 "transfer took longer than N s"
 * @param bindInterface          the interface every socket is bound to (SO_BINDTODEVICE): a request for
 *                               {@code bindAddress} that arrives on another interface finds no socket.
 *                               Empty: any interface (tests on loopback, the warm-up)
 */
public record TftpConfig(InetAddress bindAddress, int port, int maxBlksize, int maxWindowsize,
                         Duration defaultTimeout, int retries, int maxConcurrentTransfers, int maxTransfersPerClient,
                         Duration maxTransferTime, Optional<String> bindInterface) {
    public static final int DEFAULT_PORT = 69;
    public static final int DEFAULT_MAX_WINDOWSIZE = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RETRIES = 5;
    public static final int DEFAULT_MAX_CONCURRENT_TRANSFERS = 1024;
    /** A boot fetches one file at a time; four leave room for a retry while an old transfer times out. */
    public static final int DEFAULT_MAX_TRANSFERS_PER_CLIENT = 4;
    /**
     * The longest retransmission timeout the server uses. RFC 2349 lets a client ask for 1..255 s;
     * a larger request than this is not acknowledged (the OACK must echo the client's value or omit
     * it) and the server waits this long instead. With the default retries a client that goes
     * silent holds its slot at most {@code MAX_TIMEOUT * (retries + 1)}, 30 s, not 255 * 6 s.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(5);
    /**
     * A 64 MiB kernel in lock-step 512-byte blocks is 131,072 round trips: about 2 minutes at 1 ms
     * each. Ten minutes is generous for an honest client and bounds one that ACKs just in time forever.
     */
    public static final Duration DEFAULT_MAX_TRANSFER_TIME = Duration.ofMinutes(10);

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
        if (maxTransfersPerClient < 1) {
            throw new IllegalArgumentException("maxTransfersPerClient must be >= 1, got " + maxTransfersPerClient);
        }
        Objects.requireNonNull(maxTransferTime, "maxTransferTime");
        if (maxTransferTime.isNegative() || maxTransferTime.isZero()) {
            throw new IllegalArgumentException("maxTransferTime must be positive, got " + maxTransferTime);
        }
        Objects.requireNonNull(bindInterface, "bindInterface");
    }

    /**
     * Port 69 on {@code bindAddress} (any interface), blksize up to 65464, windowsize up to 64, 1 s timeout,
     * 5 retries, 1024 transfers, 4 per client, 10 minutes per transfer.
     */
    public static TftpConfig defaults(InetAddress bindAddress) {
        return new TftpConfig(bindAddress, DEFAULT_PORT, TftpCodec.MAX_BLKSIZE, DEFAULT_MAX_WINDOWSIZE,
                DEFAULT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_MAX_CONCURRENT_TRANSFERS, DEFAULT_MAX_TRANSFERS_PER_CLIENT,
                DEFAULT_MAX_TRANSFER_TIME, Optional.empty());
    }

    public TftpConfig withPort(int newPort) {
        return new TftpConfig(bindAddress, newPort, maxBlksize, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers, maxTransfersPerClient, maxTransferTime, bindInterface);
    }

    public TftpConfig withMaxBlksize(int value) {
        return new TftpConfig(bindAddress, port, value, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers, maxTransfersPerClient, maxTransferTime, bindInterface);
    }

    public TftpConfig withMaxWindowsize(int value) {
        return new TftpConfig(bindAddress, port, maxBlksize, value, defaultTimeout, retries,
                maxConcurrentTransfers, maxTransfersPerClient, maxTransferTime, bindInterface);
    }

    public TftpConfig withTimeout(Duration value, int newRetries) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, value, newRetries,
                maxConcurrentTransfers, maxTransfersPerClient, maxTransferTime, bindInterface);
    }

    public TftpConfig withMaxConcurrentTransfers(int value) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, defaultTimeout, retries,
                value, maxTransfersPerClient, maxTransferTime, bindInterface);
    }

    public TftpConfig withMaxTransfersPerClient(int value) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers, value, maxTransferTime, bindInterface);
    }

    public TftpConfig withMaxTransferTime(Duration value) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers, maxTransfersPerClient, value, bindInterface);
    }

    /** Binds every socket to {@code interfaceName} (SO_BINDTODEVICE; needs the epoll transport and CAP_NET_RAW). */
    public TftpConfig withBindInterface(String interfaceName) {
        return new TftpConfig(bindAddress, port, maxBlksize, maxWindowsize, defaultTimeout, retries,
                maxConcurrentTransfers, maxTransfersPerClient, maxTransferTime, Optional.of(interfaceName));
    }
}
