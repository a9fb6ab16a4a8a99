package org.leo.pxe;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.leo.pxe.dhcp.DhcpConfig;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.manifest.IpxeScriptConfig;
import org.leo.pxe.tftp.TftpConfig;

/**
 * Everything {@link PxeServer} needs: where the measured boot files are, where its state lives,
 * and one configuration per protocol (each with its own defaults). A protocol whose config is
 * empty is not started.
 *
 * @param bootRoot     the directory the boot manifest describes
 * @param manifest     the signed boot manifest
 * @param publicKey    the appliance's Ed25519 public key the manifest must verify against
 * @param dataDir      where the lease table and the boot event log live (SQLite files)
 * @param dhcp         DHCP (or proxyDHCP) on the HPC segment
 * @param tftp         TFTP
 * @param http         HTTP boot
 * @param script       the per-boot iPXE script
 * @param raInterface  the interface on which to answer IPv6 Router Solicitations
 * @param busyPoll     how long the event loops poll after each event before they block (zero: never poll);
 *                     see {@link org.leo.pxe.net.Transport#newGroup(int, Duration)}
 * @param warmup       exercise the transfer code on private loopback servers before serving (see {@code Warmup})
 * @param hpcInterface the HPC-facing interface: TFTP and HTTP sockets are bound to it (SO_BINDTODEVICE, on top
 *                     of their address), and every boot file request must come from the MAC that holds its
 *                     source address's lease as the kernel's neighbour table on it says
 *                     ({@link org.leo.pxe.manifest.SourceCheck}). Empty: neither (loopback tests, no interface known)
 */
public record PxeConfig(Path bootRoot, Path manifest, Path publicKey, Path dataDir, Optional<DhcpConfig> dhcp,
                        Optional<TftpConfig> tftp, Optional<HttpBootConfig> http, IpxeScriptConfig script,
                        Optional<String> raInterface, Duration busyPoll, boolean warmup, Optional<String> hpcInterface) {
    public static final String LEASES_FILE = "leases.db";
    public static final String EVENTS_FILE = "boot-events.db";

    public PxeConfig {
        Objects.requireNonNull(bootRoot, "bootRoot");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(dhcp, "dhcp");
        Objects.requireNonNull(tftp, "tftp");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(raInterface, "raInterface");
        Objects.requireNonNull(hpcInterface, "hpcInterface");
        if (busyPoll.isNegative() || busyPoll.compareTo(Duration.ofMillis(10)) > 0) {
            throw new IllegalArgumentException("busy poll must be 0 .. 10 ms, is " + busyPoll);
        }
        if (tftp.isEmpty() && http.isEmpty()) {
            throw new IllegalArgumentException("nothing to serve boot files with: enable TFTP, HTTP or both");
        }
        if (dhcp.isPresent() && dhcp.get().httpMode() && http.isEmpty()) {
            throw new IllegalArgumentException("DHCP hands out HTTP boot URLs (boot mode http) but HTTP boot is disabled");
        }
        if (dhcp.isPresent() && !dhcp.get().httpMode() && tftp.isEmpty()) {
            throw new IllegalArgumentException("DHCP hands out TFTP boot files (boot mode tftp) but TFTP is disabled");
        }
    }
}
