package org.leo.pxe.http;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the HTTP boot server.
 *
 * @param bind                  address and port to listen on (port 0: ephemeral)
 * @param idleTimeout           a connection with no read and no completed write for this long is closed
 *                              (also ends a transfer to a client that stopped reading)
 * @param maxInitialLineLength  longest request line; longer gets 414 (boot file names are short)
 * @param maxHeaderSize         largest header block; larger gets 431
 * @param maxPipelined          requests a client may queue on one connection before it is closed
 * @param bindInterface         the interface the listening socket is bound to (SO_BINDTODEVICE): a connection
 *                              to {@code bind} that arrives on another interface is refused. Empty: any
 */
public record HttpBootConfig(InetSocketAddress bind, Duration idleTimeout, int maxInitialLineLength, int maxHeaderSize,
                             int maxPipelined, Optional<String> bindInterface) {
    /** Request line limit: method + a {@link org.leo.boot.manifest.BootPath#MAX_LENGTH} name percent-encoded (x3) + version. */
    public static final int DEFAULT_MAX_INITIAL_LINE = 1024;
    /** Header block limit: iPXE and curl send a few hundred bytes; 8 KiB is what common servers allow. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 8192;
    /** Pipelining limit: iPXE does not pipeline; a deep queue only helps an attacker. */
    public static final int DEFAULT_MAX_PIPELINED = 8;

    public HttpBootConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive");
        }
        if (maxInitialLineLength < 64 || maxHeaderSize < 256 || maxPipelined < 1) {
            throw new IllegalArgumentException("limits too small");
        }
        Objects.requireNonNull(bindInterface, "bindInterface");
    }

    /** Default limits and a 30 s idle timeout. */
    public static HttpBootConfig of(InetSocketAddress bind) {
        return new HttpBootConfig(bind, Duration.ofSeconds(30), DEFAULT_MAX_INITIAL_LINE, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_PIPELINED,
                Optional.empty());
    }

    public HttpBootConfig withIdleTimeout(Duration timeout) {
        return new HttpBootConfig(bind, timeout, maxInitialLineLength, maxHeaderSize, maxPipelined, bindInterface);
    }

    /** Binds the listening socket to {@code interfaceName} (SO_BINDTODEVICE; needs the epoll transport and CAP_NET_RAW). */
    public HttpBootConfig withBindInterface(String interfaceName) {
        return new HttpBootConfig(bind, idleTimeout, maxInitialLineLength, maxHeaderSize, maxPipelined, Optional.of(interfaceName));
    }
}
