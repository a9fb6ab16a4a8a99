package org.leo.pxe.manifest;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import org.leo.boot.net.ClientDirectory;
import org.leo.boot.net.MacAddress;

/**
 * Is the sender of a boot file request the machine that holds its source address's lease? The
 * source address of a UDP datagram is whatever the sender wrote, and on a shared segment another
 * machine can also take over an address for TCP. A request is bound to a boot only through the
 * lease: without this check a machine on the segment could send "boot.ipxe" from the HPC's
 * address and rotate the HPC's nonce (its latest boot would become one it never ran, and its
 * agent could no longer enroll), or ask for a missing file and leave a refusal in the HPC's boot.
 *
 * <p>The witness is the Pi's own neighbour (ARP) table on the HPC interface, which holds the MAC
 * the Pi's kernel talks to at that address. The decision, in order:
 * <ol>
 *   <li>no lease for the address: nothing to protect here (the script itself is refused as
 *       {@code UNKNOWN_CLIENT} later); passed;</li>
 *   <li>a loopback address: the Pi itself (the warm-up); passed;</li>
 *   <li>no complete neighbour entry for the address: <b>refused</b>. An honest client has one:
 *       it resolved the Pi's MAC with an ARP request before its first packet, and Linux records
 *       the sender of an ARP request for its own address; for HTTP the kernel even had to resolve
 *       the client to answer its SYN. A TFTP datagram with no entry behind it came from a machine
 *       that already knew the Pi's MAC without asking, which the HPC after DHCP does not. Waiting
 *       for the kernel to resolve the address when it answers would be too late: the nonce is made
 *       before the answer is sent. Failing closed costs an honest HPC a retry at worst;</li>
 *   <li>the entry's MAC differs from the lease's: <b>refused</b>, naming both;</li>
 *   <li>otherwise passed.</li>
 * </ol>
 *
 * <p>What this cannot tell apart: a machine that uses the HPC's MAC as well as its address. The
 * neighbour table then says what the lease says. That is as far as a MAC goes on a segment; the
 * boot segment is meant to be a direct cable (docs/trust-model.md).
 */
public final class SourceCheck {
    /** No check: tests on loopback, servers without an HPC interface. */
    public static final SourceCheck OFF = new SourceCheck(null);

    /** The Pi's neighbour table on the HPC interface; null when off. */
    private final ClientDirectory neighbors;

    private SourceCheck(ClientDirectory neighbors) {
        this.neighbors = neighbors;
    }

    /** Checks senders against {@code neighbors}: IP to MAC as the Pi's kernel resolved it on the HPC interface. */
    public static SourceCheck against(ClientDirectory neighbors) {
        return new SourceCheck(Objects.requireNonNull(neighbors, "neighbors"));
    }

    public boolean enabled() {
        return neighbors != null;
    }

    /**
     * Why a request from {@code source}, whose lease is held by {@code leaseMac}, must be refused,
     * or empty if it may be served. The sentence is sent to the client and logged.
     */
    public Optional<String> problem(InetAddress source, Optional<MacAddress> leaseMac) {
        if (neighbors == null || leaseMac.isEmpty() || source.isLoopbackAddress()) {
            return Optional.empty();
        }
        String ip = source.getHostAddress();
        Optional<MacAddress> seen = neighbors.macOf(source);
        if (seen.isEmpty()) {
            return Optional.of("request from " + ip + " (lease of " + leaseMac.get()
                    + ") has no neighbour entry on the HPC interface: the sender never resolved this server");
        }
        if (!seen.get().equals(leaseMac.get())) {
            return Optional.of("request from " + ip + ": the neighbour table maps it to " + seen.get() + ", but "
                    + leaseMac.get() + " holds its lease");
        }
        return Optional.empty();
    }
}
