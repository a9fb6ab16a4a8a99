package org.leo.pxe.boot;

import org.leo.boot.events.Protocol;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A client's request for a boot file, as the transport received it. Every field is an untrusted
 * claim of the client except {@code client}, which is the source address of the packet or
 * connection.
 *
 * @param protocol the transport that received it
 * @param client   the peer address the request came from
 * @param path     the file name exactly as the client sent it (not yet validated)
 */
public record BootRequest(Protocol protocol, InetSocketAddress client, String path) {
    public BootRequest {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(path, "path");
    }
}
