package org.leo.boot.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * One entry of the boot event log. {@code mac}, {@code file} and {@code detail} come from the
 * client's packets (claims); {@code bytes} and {@code sha256Hex} are what this server sent and
 * measured itself.
 *
 * @param at        when the server saw or did it
 * @param mac       the client's MAC, when known
 * @param client    the peer address ({@code ip} or {@code ip:port}), or empty
 * @param stage     what happened
 * @param protocol  the transport for file stages, else null
 * @param file      the file name for file stages, else empty
 * @param bytes     payload bytes sent (file stages), else 0
 * @param sha256Hex digest of what was sent (file stages), else empty
 * @param bootNonce the per-boot nonce (script and later stages of the same boot), else empty
 * @param detail    a short human sentence: why, with which options, which address (for people, never parsed)
 * @param range     for a file stage of an HTTP range request: which part of the file was asked for
 */
public record BootEvent(Instant at, Optional<MacAddress> mac, String client, BootStage stage, Protocol protocol,
                        String file, long bytes, String sha256Hex, String bootNonce, String detail, Optional<SentRange> range) {
    /** An event about a whole file, or no file. */
    public BootEvent(Instant at, Optional<MacAddress> mac, String client, BootStage stage, Protocol protocol,
                     String file, long bytes, String sha256Hex, String bootNonce, String detail) {
        this(at, mac, client, stage, protocol, file, bytes, sha256Hex, bootNonce, detail, Optional.empty());
    }

    public BootEvent {
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        Objects.requireNonNull(bootNonce, "bootNonce");
        Objects.requireNonNull(detail, "detail");
    }

    /** A DHCP-stage event. */
    public static BootEvent dhcp(MacAddress mac, String client, BootStage stage, String detail) {
        return new BootEvent(Instant.now(), Optional.ofNullable(mac), client, stage, null, "", 0, "", "", detail);
    }

    /**
     * The FILE_SERVED that says the client took delivery of the whole script this SCRIPT_SERVED
     * event made (same file, digest and nonce): what starts a boot session in the log.
     */
    public BootEvent delivered() {
        if (stage != BootStage.SCRIPT_SERVED) {
            throw new IllegalStateException("only a SCRIPT_SERVED event is delivered, this is " + stage);
        }
        return new BootEvent(at, mac, client, BootStage.FILE_SERVED, protocol, file, bytes, sha256Hex, bootNonce,
                "iPXE script delivered");
    }
}
