package org.leo.pxe.vm;

import java.io.IOException;
import java.util.Optional;

/**
 * The DHCP + TFTP + HTTP boot server a disk-less VM boots from, running inside the topology's
 * server namespace. Implementations: {@link DnsmasqServer} (stand-in); the project's own server.
 *
 * <p>Contract, whatever the implementation:
 * <ul>
 *   <li>DHCP on {@code pi.ifName()} for the VM's MAC, any address of {@code pi}'s /24 except the server's;
 *       siaddr (next-server) = {@code pi.address()};</li>
 *   <li>to iPXE clients (DHCP option 175 present / user class "iPXE"): filename
 *       {@link BootRoot#dhcpFilename(BootMode) root.dhcpFilename(mode)}, and option 175 with
 *       sub-option 176 (no-pxedhcp) = 1, or iPXE waits ~3 s for a ProxyDHCP offer;</li>
 *   <li>TFTP (port 69) and HTTP (port {@link BootRoot#httpPort()}) serving the files of
 *       {@link BootRoot#dir()} by name;</li>
 *   <li>optionally an IPv6 Router Advertisement (RFC 4861 §4.2, M=O=0) answering iPXE's Router Solicitation; without
 *       one iPXE waits ~16 s for IPv6 autoconfiguration before it loads the script.</li>
 * </ul>
 * {@link #start} returns once all services accept requests.
 */
public interface BootServerUnderTest extends AutoCloseable {

    void start(NetNsHost pi, BootRoot root, BootMode mode) throws IOException;

    /** Stops every process/thread it started. Idempotent; never throws. */
    void stop();

    /** {@link System#nanoTime()} at which the first DHCPACK was sent, if the server can tell. */
    default Optional<Long> firstDhcpAckNanoTime() {
        return Optional.empty();
    }

    @Override
    default void close() {
        stop();
    }
}
