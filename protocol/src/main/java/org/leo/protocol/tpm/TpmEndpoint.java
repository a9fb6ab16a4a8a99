package org.leo.protocol.tpm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a TPM is reached: a character device ({@code device:/dev/tpmrm0}, the kernel resource
 * manager on the Pi) or a swtpm TCP server ({@code swtpm:HOST:PORT}, in tests). {@link #toString()}
 * gives the text {@link #parse} reads, so an endpoint round-trips through configuration.
 */
public sealed interface TpmEndpoint permits TpmEndpoint.Device, TpmEndpoint.Swtpm {
    String DEVICE_PREFIX = "device:";
    String SWTPM_PREFIX = "swtpm:";

    /**
     * Reads {@code device:PATH} or {@code swtpm:HOST:PORT} (an IPv6 host in brackets,
     * {@code swtpm:[::1]:2321}).
     *
     * @throws IllegalArgumentException naming the text and what was expected
     */
    static TpmEndpoint parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.startsWith(DEVICE_PREFIX)) {
            String path = text.substring(DEVICE_PREFIX.length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("TPM endpoint '" + text + "' has no device path after 'device:'");
            }
            return new Device(Path.of(path));
        }
        if (text.startsWith(SWTPM_PREFIX)) {
            String rest = text.substring(SWTPM_PREFIX.length());
            int colon = rest.lastIndexOf(':');
            if (colon <= 0 || colon == rest.length() - 1) {
                throw new IllegalArgumentException("TPM endpoint '" + text + "' is not swtpm:HOST:PORT");
            }
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("TPM endpoint '" + text + "': an IPv6 host goes in brackets, swtpm:[" + host + "]:PORT");
            }
            String portText = rest.substring(colon + 1);
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("TPM endpoint '" + text + "' has port '" + portText + "', expected a number");
            }
            return new Swtpm(host, port);
        }
        throw new IllegalArgumentException("TPM endpoint '" + text + "' is neither device:PATH nor swtpm:HOST:PORT");
    }

    /** A TPM character device; {@code /dev/tpmrm0} goes through the kernel resource manager. */
    record Device(Path path) implements TpmEndpoint {
        public Device {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return DEVICE_PREFIX + path;
        }
    }

    /**
     * A swtpm started with {@code --server type=tcp,port=PORT --ctrl type=tcp,port=PORT+1}: TPM
     * commands go to {@code port}, swtpm's control channel listens on {@link #ctrlPort()}.
     */
    record Swtpm(String host, int port) implements TpmEndpoint {
        public Swtpm {
            Objects.requireNonNull(host, "host");
            if (host.isEmpty()) {
                throw new IllegalArgumentException("swtpm host is empty");
            }
            if (port < 1 || port > 65534) {
                throw new IllegalArgumentException("swtpm port " + port + " is outside 1..65534 (the control port is port+1)");
            }
        }

        /** swtpm's control channel (CMD_INIT, CMD_GET_CAPABILITY ...): always {@code port + 1}. */
        public int ctrlPort() {
            return port + 1;
        }

        @Override
        public String toString() {
            return SWTPM_PREFIX + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
