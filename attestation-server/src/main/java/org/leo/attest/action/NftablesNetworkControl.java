package org.leo.attest.action;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cuts one HPC off by its MAC address and leaves the rest of the segment alone: an nftables table of
 * its own ({@code netdev leo_cut_525400770010}) with an ingress chain on the Pi's interface that
 * drops frames from the HPC's MAC and an egress chain that drops frames to it. Restoring deletes
 * the table. Each HPC has its own table, so cutting one never touches another.
 *
 * <p>A claim, not a guarantee: an HPC owner who changes its MAC address sends from another MAC.
 * Where that matters, give the HPC a link of its own ({@link LinkNetworkControl}) or a switch port
 * that can be shut.
 */
public final class NftablesNetworkControl implements NetworkControl {
    private final String netns;
    private final String device;

    /** {@code netns} may be null for the current namespace; {@code device} is the Pi's interface on the HPC segment. */
    public NftablesNetworkControl(String netns, String device) {
        if (!device.matches("[A-Za-z0-9_.:-]{1,15}")) {
            throw new IllegalArgumentException("not an interface name: '" + device + "'");
        }
        this.netns = netns;
        this.device = device;
    }

    static String table(String mac) {
        return "leo_cut_" + mac.replace(":", "").toLowerCase(Locale.ROOT);
    }

    private List<String> nft(String... args) {
        List<String> c = new ArrayList<>();
        if (netns != null) {
            c.addAll(List.of("ip", "netns", "exec", netns));
        }
        c.add("nft");
        c.addAll(List.of(args));
        return c;
    }

    @Override
    public void cut(String hpc) throws IOException {
        String mac = checkedMac(hpc);
        String table = table(mac);
        String rules = "table netdev " + table + " {\n"
                + "  chain in { type filter hook ingress device \"" + device + "\" priority -500; policy accept; ether saddr " + mac + " drop; }\n"
                + "  chain out { type filter hook egress device \"" + device + "\" priority -500; policy accept; ether daddr " + mac + " drop; }\n"
                + "}\n";
        Commands.run(nft("-f", "-"), rules);
    }

    @Override
    public void restore(String hpc) throws IOException {
        String mac = checkedMac(hpc);
        try {
            Commands.run(nft("delete", "table", "netdev", table(mac)));
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No such file or directory")) {
                throw e; // a table that is not there is restored already
            }
        }
    }

    private static String checkedMac(String hpc) throws IOException {
        if (!hpc.matches("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")) {
            throw new IOException("not a MAC address: '" + hpc + "'");
        }
        return hpc.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "nftables on " + device + (netns == null ? "" : " (netns " + netns + ")");
    }
}
