package org.leo.pxe.net;

import org.leo.boot.net.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.leo.boot.net.ClientDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IPv4 address to MAC from the kernel's neighbour (ARP) table, {@code /proc/net/arp}.
 *
 * <p>Used in proxyDHCP mode, where another server hands out the addresses and we hold no lease
 * that says who is at an address. A client that sends us a TFTP or HTTP request first resolved
 * our MAC with an ARP request, and Linux records the sender of an ARP request addressed to it,
 * so the entry is there by the time the request arrives. Only complete entries (flag 0x2) count,
 * and with a device given only entries on that device (the HPC interface): an entry learned on
 * another link says nothing about who is on the HPC segment. The MAC learned this way is a claim
 * of the client, like every MAC on the segment.
 *
 * <p>Also used for every boot file request ({@link org.leo.pxe.manifest.SourceCheck}): the
 * sender of a request from an address must be the MAC that holds the address's lease.
 */
public final class NeighborTable implements ClientDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(NeighborTable.class);
    /** ATF_COM in the kernel's flags column: the entry is resolved. */
    private static final int ATF_COM = 0x2;
    /** The table is small (one segment); anything larger than this is not read. */
    private static final long MAX_TABLE_BYTES = 1 << 20;

    private final Path table;
    /** Only entries on this device count; null: any device. */
    private final String device;

    /** The kernel's table, entries on any device. */
    public NeighborTable() {
        this(Path.of("/proc/net/arp"), null);
    }

    /** The kernel's table, entries on {@code device} only. */
    public NeighborTable(String device) {
        this(Path.of("/proc/net/arp"), device);
    }

    /** For tests: a file in the format of {@code /proc/net/arp}. */
    public NeighborTable(Path table) {
        this(table, null);
    }

    /** For tests: a file in the format of {@code /proc/net/arp}, entries on {@code device} only (null: any). */
    public NeighborTable(Path table, String device) {
        this.table = table;
        this.device = device;
    }

    @Override
    public Optional<MacAddress> macOf(InetAddress address) {
        try {
            if (Files.size(table) > MAX_TABLE_BYTES) {
                return Optional.empty();
            }
            return lookup(Files.readAllLines(table), address.getHostAddress(), device);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the neighbour table {}: {}", table, e.toString());
            return Optional.empty();
        }
    }

    /** Parses the lines of {@code /proc/net/arp} (header first) for {@code ip}, on any device. */
    static Optional<MacAddress> lookup(List<String> lines, String ip) {
        return lookup(lines, ip, null);
    }

    /** Parses the lines of {@code /proc/net/arp} (header first) for {@code ip} on {@code device} (null: any). */
    static Optional<MacAddress> lookup(List<String> lines, String ip, String device) {
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 4 || !f[0].equals(ip)) {
                continue;
            }
            if (device != null && (f.length < 6 || !f[5].equals(device))) {
                continue;
            }
            try {
                int flags = Integer.decode(f[2]);
                if ((flags & ATF_COM) != 0) {
                    return Optional.of(MacAddress.parse(f[3]));
                }
            } catch (IllegalArgumentException e) {
                // a malformed line: not a usable entry
            }
        }
        return Optional.empty();
    }
}
