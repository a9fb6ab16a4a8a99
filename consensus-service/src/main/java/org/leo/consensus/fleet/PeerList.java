package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * The static peer list, as Ansible writes it on every Pi: who may be in the fleet, where to reach
 * it, and what pins its hardware. One peer a line, fields separated by white space, {@code #} starts a
 * comment:
 * <pre>
 *   # member-key-hex                  host:port        ak-sha256-hex   [ca=sha256-hex] [hpc=MAC[,MAC...]]
 *   3b6a27bc...(64 hex digits)  pi-07.lab:7450  9f86d081...(64)  ca=e3b0c442...  hpc=52:54:00:77:00:10
 * </pre>
 * <ul>
 * <li>member key: the Pi's Ed25519 verdict key (its TLS key and its id on the ledger);</li>
 * <li>ak-sha256: SHA-256 of its TPM attestation key's SubjectPublicKeyInfo (what {@code leo attest log
 *     quote} and the attestation server's start line print): Join and every relay answer are checked
 *     against it;</li>
 * <li>{@code ca=}: SHA-256 of its appliance CA certificate (what {@code leo attest ca} prints): the CA
 *     whose agents' evidence a verifier accepts from that Pi. The list, not the ledger, publishes it:
 *     the ledger's records do not carry it yet;</li>
 * <li>{@code hpc=}: the HPCs that Pi serves, where verifiers send their challenges.</li>
 * </ul>
 * Every malformed line is refused with its line number; a member listed twice, or an HPC served by
 * two Pis, is refused too.
 */
public final class PeerList {
    private static final int HEX_KEY = 64;
    private static final int MAX_LINES = 100_000;

    /** One listed Pi. */
    public record Peer(byte[] member, String host, int port, byte[] akSha256, Optional<byte[]> caSha256, List<MacAddress> hpcs) {
        public Peer {
            member = member.clone();
            akSha256 = akSha256.clone();
            caSha256 = caSha256.map(byte[]::clone);
            hpcs = List.copyOf(hpcs);
        }

        @Override
        public byte[] member() {
            return member.clone();
        }

        @Override
        public byte[] akSha256() {
            return akSha256.clone();
        }

        @Override
        public Optional<byte[]> caSha256() {
            return caSha256.map(byte[]::clone);
        }

        public String memberHex() {
            return HexFormat.of().formatHex(member);
        }

        /** The line this peer has in the file. */
        public String toLine() {
            HexFormat hex = HexFormat.of();
            return memberHex() + " " + host + ":" + port + " " + hex.formatHex(akSha256)
                    + caSha256.map(c -> " ca=" + hex.formatHex(c)).orElse("")
                    + (hpcs.isEmpty() ? "" : " hpc=" + String.join(",", hpcs.stream().map(MacAddress::toString).toList()));
        }
    }

    private final Map<String, Peer> byMember;
    private final Map<MacAddress, Peer> byHpc;

    private PeerList(Map<String, Peer> byMember, Map<MacAddress, Peer> byHpc) {
        this.byMember = byMember;
        this.byHpc = byHpc;
    }

    public static PeerList of(List<Peer> peers) {
        Map<String, Peer> byMember = new LinkedHashMap<>();
        Map<MacAddress, Peer> byHpc = new LinkedHashMap<>();
        for (Peer p : peers) {
            if (byMember.putIfAbsent(p.memberHex(), p) != null) {
                throw new IllegalArgumentException("member " + p.memberHex() + " is listed twice");
            }
            for (MacAddress hpc : p.hpcs()) {
                Peer other = byHpc.putIfAbsent(hpc, p);
                if (other != null) {
                    throw new IllegalArgumentException("HPC " + hpc + " is served by two Pis: " + other.memberHex() + " and " + p.memberHex());
                }
            }
        }
        return new PeerList(java.util.Collections.unmodifiableMap(byMember), Map.copyOf(byHpc));
    }

    public static PeerList read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Parses the file's text; {@code name} prefixes every error ("peers.txt line 3: ..."). */
    public static PeerList parse(String text, String name) {
        List<Peer> peers = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        if (lines.length > MAX_LINES) {
            throw new IllegalArgumentException(name + ": " + lines.length + " lines, at most " + MAX_LINES);
        }
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (content.isEmpty()) {
                continue;
            }
            try {
                peers.add(line(content.split("\\s+")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        try {
            return of(peers);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    private static Peer line(String[] f) {
        if (f.length < 3) {
            throw new IllegalArgumentException("expected 'member-key-hex host:port ak-sha256-hex [ca=HEX] [hpc=MAC,...]', got "
                    + f.length + " field(s)");
        }
        byte[] member = hex("member key", f[0]);
        int colon = f[1].lastIndexOf(':');
        if (colon <= 0 || colon == f[1].length() - 1) {
            throw new IllegalArgumentException("address '" + f[1] + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(f[1].substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("address '" + f[1] + "': the port must be 1..65535");
        }
        String host = f[1].substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        byte[] ak = hex("AK SHA-256", f[2]);
        Optional<byte[]> ca = Optional.empty();
        List<MacAddress> hpcs = new ArrayList<>();
        for (int i = 3; i < f.length; i++) {
            String field = f[i];
            if (field.startsWith("ca=") && ca.isEmpty()) {
                ca = Optional.of(hex("CA SHA-256", field.substring(3)));
            } else if (field.startsWith("hpc=") && hpcs.isEmpty()) {
                for (String mac : field.substring(4).split(",")) {
                    try {
                        hpcs.add(MacAddress.parse(mac));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("HPC '" + mac + "' is not a MAC address");
                    }
                }
            } else {
                throw new IllegalArgumentException("unknown or repeated field '" + field + "' (expected ca=HEX or hpc=MAC,...)");
            }
        }
        return new Peer(member, host, port, ak, ca, hpcs);
    }

    private static byte[] hex(String what, String s) {
        if (s.length() != HEX_KEY || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(what + " '" + s + "' is not " + HEX_KEY + " hex digits");
        }
        return HexFormat.of().parseHex(s.toLowerCase(Locale.ROOT));
    }

    public Optional<Peer> member(String memberHex) {
        return Optional.ofNullable(byMember.get(memberHex.toLowerCase(Locale.ROOT)));
    }

    public Optional<Peer> member(byte[] member) {
        return member(HexFormat.of().formatHex(member));
    }

    public boolean contains(String memberHex) {
        return byMember.containsKey(memberHex.toLowerCase(Locale.ROOT));
    }

    /** The Pi that serves {@code hpc}. */
    public Optional<Peer> servingHpc(MacAddress hpc) {
        return Optional.ofNullable(byHpc.get(hpc));
    }

    public List<Peer> all() {
        return List.copyOf(byMember.values());
    }

    /** Whether {@code sha256} is the AK pin of {@code member}. */
    public boolean akPinned(byte[] member, byte[] sha256) {
        return member(member).map(p -> Arrays.equals(p.akSha256(), sha256)).orElse(false);
    }

    /** The whole file, one line a peer. */
    public String toText() {
        StringBuilder b = new StringBuilder("# member-key-hex host:port ak-sha256-hex [ca=sha256-hex] [hpc=MAC,...]\n");
        byMember.values().forEach(p -> b.append(p.toLine()).append('\n'));
        return b.toString();
    }
}
