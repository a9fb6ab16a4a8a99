package org.leo.attest.server;

import io.grpc.Status;
import org.leo.protocol.attest.v1.Challenge;

/** The server's end of one agent's stream, as the engine sees it (the gRPC observer in production). */
public interface AgentLink {
    /** Pushes a challenge; false if the stream is gone. */
    boolean send(Challenge challenge);

    /** Pushes a task assignment; false if the stream is gone (or, by default, carries no tasks). */
    default boolean send(org.leo.protocol.attest.v1.TaskAssignment task) {
        return false;
    }

    /** Ends the stream with {@code status}. */
    void close(Status status);

    /** The peer, for log lines ("10.77.0.10:43122"). */
    String peer();
}
