package org.leo.boot.net;

import java.net.InetAddress;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/** Who holds an address on the HPC segment: the DHCP lease table answers it. */
@FunctionalInterface
public interface ClientDirectory {
    ClientDirectory NONE = address -> Optional.empty();

    /** The MAC that currently holds a lease (or reservation) on {@code address}, if any. */
    Optional<MacAddress> macOf(InetAddress address);
}
