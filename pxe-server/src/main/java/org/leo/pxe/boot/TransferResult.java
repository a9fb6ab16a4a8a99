package org.leo.pxe.boot;

import org.leo.boot.events.SentRange;
import java.time.Duration;

/**
 * What a transport actually sent for one {@link ServedFile}.
 *
 * @param bytesSent      payload bytes sent at least once (retransmissions not counted twice)
 * @param sentSha256Hex  SHA-256 of the payload bytes in the order first sent: the digest of what
 *                       went on the wire; equals the manifest digest for a complete transfer
 * @param complete       true when the client acknowledged (TFTP) or the connection flushed (HTTP) everything
 * @param elapsed        from request to the end of the transfer
 * @param note           why it ended if not complete (e.g. "client aborted after OACK: size probe"), else empty
 * @param range          the part of the file this transfer was asked for (an HTTP range), if not the whole
 */
public record TransferResult(long bytesSent, String sentSha256Hex, boolean complete, Duration elapsed, String note,
                             java.util.Optional<SentRange> range) {
    public TransferResult {
        java.util.Objects.requireNonNull(range, "range");
    }

    /** A transfer of the whole file. */
    public TransferResult(long bytesSent, String sentSha256Hex, boolean complete, Duration elapsed, String note) {
        this(bytesSent, sentSha256Hex, complete, elapsed, note, java.util.Optional.empty());
    }
}
