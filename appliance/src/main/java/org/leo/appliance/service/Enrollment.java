package org.leo.appliance.service;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.leo.pxe.dhcp.Reservation;
import org.leo.boot.net.MacAddress;

/** Parses {@code --enroll MAC[=IPV4[,HOSTNAME]]}. */
public final class Enrollment {
    private Enrollment() {
    }

    public static Reservation parse(String text) {
        String[] macRest = text.split("=", 2);
        MacAddress mac = MacAddress.parse(macRest[0]);
        if (macRest.length == 1) {
            return Reservation.poolOnly(mac);
        }
        String[] addrHost = macRest[1].split(",", 2);
        Inet4Address address = ipv4(addrHost[0])
                .orElseThrow(() -> new IllegalArgumentException("'" + printable(addrHost[0]) + "' is not an IPv4 address"));
        Optional<String> host = addrHost.length == 2 ? Optional.of(hostname(addrHost[1])) : Optional.empty();
        return new Reservation(mac, Optional.of(address), host);
    }

    /**
     * An enrollment from its fields (the API's body): a MAC, an optional reserved address, an optional host name (only
     * with an address), each checked on its own, so that no field can carry another's separator into DATA-DIR/enrolled.
     */
    public static Reservation of(String mac, String address, String hostname) {
        MacAddress m = MacAddress.parse(mac == null ? "" : mac.strip());
        boolean hasAddress = address != null && !address.isBlank();
        boolean hasHost = hostname != null && !hostname.isBlank();
        if (!hasAddress) {
            if (hasHost) {
                throw new IllegalArgumentException("a host name is given with a reserved address");
            }
            return Reservation.poolOnly(m);
        }
        Inet4Address a = ipv4(address).orElseThrow(() -> new IllegalArgumentException("'" + printable(address) + "' is not an IPv4 address"));
        return new Reservation(m, Optional.of(a), hasHost ? Optional.of(hostname(hostname.strip())) : Optional.empty());
    }

    /** A host name as DHCP hands it out: letters, digits, '.' and '-', starting with a letter or digit, at most 63. */
    static String hostname(String text) {
        if (!text.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,62}")) {
            throw new IllegalArgumentException("host name '" + printable(text) + "': letters, digits, '.' and '-', at most 63, starting with a letter or digit");
        }
        return text;
    }

    private static String printable(String text) {
        return org.leo.attest.appraise.Printable.of(text, 40);
    }

    /** A literal dotted-quad IPv4 address; never a name lookup. */
    public static Optional<Inet4Address> ipv4(String text) {
        String t = text.trim();
        if (!t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return Optional.empty();
        }
        for (String part : t.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                return Optional.empty();
            }
        }
        try {
            InetAddress a = InetAddress.getByName(t);
            return a instanceof Inet4Address v4 ? Optional.of(v4) : Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The --enroll form of {@code r}: MAC, MAC=IPV4 or MAC=IPV4,HOSTNAME. */
    public static String format(Reservation r) {
        return r.mac() + r.address().map(a -> "=" + a.getHostAddress() + r.hostname().map(h -> "," + h).orElse("")).orElse("");
    }

    /** The HPCs enrolled from the dashboard, kept in DATA-DIR/{@value #FILE} (one --enroll value per line). */
    public static final String FILE = "enrolled";

    /** The enrollments kept in {@code dataDir}; none if there is no file. */
    public static java.util.List<Reservation> kept(java.nio.file.Path dataDir) throws java.io.IOException {
        java.nio.file.Path f = dataDir.resolve(FILE);
        java.util.List<Reservation> out = new java.util.ArrayList<>();
        if (!java.nio.file.Files.exists(f)) {
            return out;
        }
        for (String line : java.nio.file.Files.readAllLines(f, java.nio.charset.StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                out.add(parse(t));
            }
        }
        return out;
    }

    /** Adds (or replaces) {@code r} in {@code dataDir}'s file, durably (written aside, synced, renamed). */
    public static synchronized void keep(java.nio.file.Path dataDir, Reservation r) throws java.io.IOException {
        java.util.Map<org.leo.boot.net.MacAddress, Reservation> all = new java.util.LinkedHashMap<>();
        kept(dataDir).forEach(k -> all.put(k.mac(), k));
        all.put(r.mac(), r);
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add("# HPCs enrolled from the dashboard (leo serve); read at every start with --enroll's. One MAC[=IPV4[,HOSTNAME]] per line.");
        all.values().forEach(k -> lines.add(format(k)));
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile(dataDir, ".enrolled", ".tmp");
        try {
            java.nio.file.Files.write(tmp, lines, java.nio.charset.StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            java.nio.file.Files.move(tmp, dataDir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }
}
