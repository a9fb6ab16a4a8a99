package org.leo.attest.server;

import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import org.leo.protocol.attest.v1.Challenge;

/** A challenge sent and not yet answered. */
public record Outstanding(Challenge challenge, Instant sentAt, Instant deadline, boolean baseline, ScheduledFuture<?> timeout) {
}
