package org.leo.agent;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the agent finds the Pi and how it trusts it.
 *
 * @param server        the Pi's address on the HPC segment ({@code leo.server=} on the kernel command line)
 * @param enrollPort    the enrollment port
 * @param attestPort    the attestation port
 * @param caSha256      SHA-256 of the appliance CA certificate ({@code leo.ca=})
 * @param mac           the MAC of the interface towards the Pi
 * @param kernelCmdline the kernel command line (carries {@code leo.nonce=})
 * @param maxBackoff    the longest wait between reconnection attempts
 * @param localAddress  the source address to dial from (the interface towards the Pi), or null for the kernel's choice
 */
public record AgentConfig(String server, int enrollPort, int attestPort, String caSha256, String mac, String kernelCmdline,
                          Duration maxBackoff, java.net.InetAddress localAddress) {
    public static final int DEFAULT_ENROLL_PORT = 7443;
    public static final int DEFAULT_ATTEST_PORT = 7444;

    public AgentConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(caSha256, "caSha256");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(kernelCmdline, "kernelCmdline");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
    }

    public AgentConfig(String server, int enrollPort, int attestPort, String caSha256, String mac, String kernelCmdline,
                       Duration maxBackoff) {
        this(server, enrollPort, attestPort, caSha256, mac, kernelCmdline, maxBackoff, null);
    }

    public AgentConfig withLocalAddress(java.net.InetAddress local) {
        return new AgentConfig(server, enrollPort, attestPort, caSha256, mac, kernelCmdline, maxBackoff, local);
    }
}
