package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.leo.boot.net.MacAddress;

/**
 * Everything the DHCP server needs to know. Build with {@link #builder(Inet4Address)}; every
 * field but the server address has a default.
 *
 * @param interfaceName       the interface to bind to (SO_BINDTODEVICE), null: do not bind (tests on loopback)
 * @param serverAddress       our address on the HPC segment: server id (54), next-server (siaddr)
 * @param subnetMask          option 1
 * @param router              option 3; defaults to the server address (the Pi is the gateway)
 * @param dns                 option 6, may be empty
 * @param leaseTime           option 51
 * @param reservations        enrolled clients by MAC
 * @param pool                addresses for enrolled clients without a fixed address
 * @param serveUnknownClients also lease from the pool to MACs that are not enrolled (default false)
 * @param bootFiles           boot file names
 * @param httpPort            port of our HTTP boot server
 * @param httpMode            iPXE clients fetch the script over HTTP instead of TFTP
 * @param tftpServerName      option 66, optional
 * @param proxyMode           proxyDHCP: no addresses, boot information for PXE clients only
 * @param serverPort          DHCP server port (67)
 * @param proxyPort           PXE boot server port for proxy mode (4011)
 * @param clientPort          DHCP client port replies go to (68)
 * @param broadcastAddress    where broadcast replies go (255.255.255.255; tests on loopback use 127.0.0.1)
 * @param offerHold           how long an offered pool address is held for the client
 * @param declineHold         how long a DECLINEd address is not handed out
 */
public record DhcpConfig(String interfaceName, Inet4Address serverAddress, Inet4Address subnetMask, Inet4Address router,
                         List<Inet4Address> dns, Duration leaseTime, Map<MacAddress, Reservation> reservations,
                         Optional<AddressPool> pool, boolean serveUnknownClients, BootFileNames bootFiles, int httpPort,
                         boolean httpMode, Optional<String> tftpServerName, boolean proxyMode, int serverPort,
                         int proxyPort, int clientPort, Inet4Address broadcastAddress, Duration offerHold,
                         Duration declineHold) {
    public DhcpConfig {
        Objects.requireNonNull(serverAddress, "serverAddress");
        Objects.requireNonNull(subnetMask, "subnetMask");
        Objects.requireNonNull(router, "router");
        dns = List.copyOf(dns);
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (leaseTime.toSeconds() < 60 || leaseTime.toSeconds() > 0xfffffffeL) {
            throw new IllegalArgumentException("lease time must be 60 s .. 2^32-2 s, is " + leaseTime);
        }
        reservations = Map.copyOf(reservations);
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(bootFiles, "bootFiles");
        Objects.requireNonNull(tftpServerName, "tftpServerName");
        Objects.requireNonNull(broadcastAddress, "broadcastAddress");
        Objects.requireNonNull(offerHold, "offerHold");
        Objects.requireNonNull(declineHold, "declineHold");
        checkAddresses(serverAddress, subnetMask, reservations, pool);
        for (int p : new int[] {serverPort, proxyPort, clientPort, httpPort}) {
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range: " + p);
            }
        }
    }

    /** Reservations and pool must lie on the server's subnet, not be the server, and not collide. */
    private static void checkAddresses(Inet4Address server, Inet4Address mask, Map<MacAddress, Reservation> reservations,
                                       Optional<AddressPool> pool) {
        long m = AddressPool.toLong(mask);
        long net = AddressPool.toLong(server) & m;
        java.util.Map<Inet4Address, MacAddress> seen = new java.util.HashMap<>();
        for (Reservation r : reservations.values()) {
            r.address().ifPresent(a -> {
                if ((AddressPool.toLong(a) & m) != net || a.equals(server)) {
                    throw new IllegalArgumentException("reservation " + a.getHostAddress() + " for " + r.mac()
                            + " is not a client address on " + server.getHostAddress() + "/" + mask.getHostAddress());
                }
                MacAddress other = seen.putIfAbsent(a, r.mac());
                if (other != null) {
                    throw new IllegalArgumentException("address " + a.getHostAddress() + " reserved for both " + other
                            + " and " + r.mac());
                }
            });
        }
        pool.ifPresent(p -> {
            if ((AddressPool.toLong(p.start()) & m) != net || (AddressPool.toLong(p.end()) & m) != net) {
                throw new IllegalArgumentException("pool " + p + " is not on " + server.getHostAddress() + "/"
                        + mask.getHostAddress());
            }
        });
    }

    /**
     * This configuration with {@code r} enrolled too (replacing any reservation of its MAC); refused, as at start, when
     * its address is not a client address of the subnet or is another MAC's.
     */
    public DhcpConfig withReservation(Reservation r) {
        Map<MacAddress, Reservation> more = new java.util.HashMap<>(reservations);
        more.put(r.mac(), r);
        return new DhcpConfig(interfaceName, serverAddress, subnetMask, router, dns, leaseTime, more, pool, serveUnknownClients, bootFiles,
                httpPort, httpMode, tftpServerName, proxyMode, serverPort, proxyPort, clientPort, broadcastAddress, offerHold, declineHold);
    }

    public static Builder builder(Inet4Address serverAddress) {
        return new Builder(serverAddress);
    }

    /** Mutable builder with the defaults documented on the record. */
    public static final class Builder {
        private String interfaceName;
        private final Inet4Address serverAddress;
        private Inet4Address subnetMask = AddressPool.fromLong(0xffffff00L);
        private Inet4Address router;
        private List<Inet4Address> dns = List.of();
        private Duration leaseTime = Duration.ofHours(1);
        private Map<MacAddress, Reservation> reservations = Map.of();
        private Optional<AddressPool> pool = Optional.empty();
        private boolean serveUnknownClients;
        private BootFileNames bootFiles = BootFileNames.DEFAULT;
        private int httpPort = 80;
        private boolean httpMode;
        private Optional<String> tftpServerName = Optional.empty();
        private boolean proxyMode;
        private int serverPort = 67;
        private int proxyPort = 4011;
        private int clientPort = 68;
        private Inet4Address broadcastAddress = AddressPool.fromLong(0xffffffffL);
        private Duration offerHold = Duration.ofSeconds(60);
        private Duration declineHold = Duration.ofMinutes(10);

        private Builder(Inet4Address serverAddress) {
            this.serverAddress = Objects.requireNonNull(serverAddress);
        }

        public Builder interfaceName(String v) { interfaceName = v; return this; }
        public Builder subnetMask(Inet4Address v) { subnetMask = v; return this; }
        public Builder router(Inet4Address v) { router = v; return this; }
        public Builder dns(List<Inet4Address> v) { dns = v; return this; }
        public Builder leaseTime(Duration v) { leaseTime = v; return this; }
        public Builder reservations(Map<MacAddress, Reservation> v) { reservations = v; return this; }
        public Builder reservations(List<Reservation> v) {
            reservations = v.stream().collect(Collectors.toMap(Reservation::mac, Function.identity()));
            return this;
        }
        public Builder pool(AddressPool v) { pool = Optional.ofNullable(v); return this; }
        public Builder serveUnknownClients(boolean v) { serveUnknownClients = v; return this; }
        public Builder bootFiles(BootFileNames v) { bootFiles = v; return this; }
        public Builder httpPort(int v) { httpPort = v; return this; }
        public Builder httpMode(boolean v) { httpMode = v; return this; }
        public Builder tftpServerName(String v) { tftpServerName = Optional.ofNullable(v); return this; }
        public Builder proxyMode(boolean v) { proxyMode = v; return this; }
        public Builder serverPort(int v) { serverPort = v; return this; }
        public Builder proxyPort(int v) { proxyPort = v; return this; }
        public Builder clientPort(int v) { clientPort = v; return this; }
        public Builder broadcastAddress(Inet4Address v) { broadcastAddress = v; return this; }
        public Builder offerHold(Duration v) { offerHold = v; return this; }
        public Builder declineHold(Duration v) { declineHold = v; return this; }

        public DhcpConfig build() {
            return new DhcpConfig(interfaceName, serverAddress, subnetMask, router != null ? router : serverAddress, dns,
                    leaseTime, reservations, pool, serveUnknownClients, bootFiles, httpPort, httpMode, tftpServerName,
                    proxyMode, serverPort, proxyPort, clientPort, broadcastAddress, offerHold, declineHold);
        }
    }
}
