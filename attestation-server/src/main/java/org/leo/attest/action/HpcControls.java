package org.leo.attest.action;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Power and network control configured per HPC, by MAC: an action acts on the HPC its finding is
 * about and on nothing else; an HPC with no entry gets a failed action ({@code action.failed}), never
 * another HPC's power switch. Specs are {@code MAC=KIND:ARGS}:
 * <ul>
 *   <li>power: {@code qemu:SOCKET} (a QMP socket), {@code ipmi:HOST,USER,PASSWORD-FILE} (ipmitool
 *       lanplus), {@code wol:BROADCAST-IPV4} (power on only);</li>
 *   <li>network: {@code link:IF} (the HPC's own link: the Pi takes IF down), {@code nft:IF} (drop the
 *       HPC's frames on IF by MAC, the rest of the segment untouched: {@link NftablesNetworkControl}).</li>
 * </ul>
 */
public final class HpcControls {
    private final Map<String, PowerControl> power = new LinkedHashMap<>();
    private final Map<String, NetworkControl> network = new LinkedHashMap<>();

    /** Parses the {@code --power} and {@code --cut-network} specs; a malformed one is an IllegalArgumentException naming it. */
    public static HpcControls parse(List<String> powerSpecs, List<String> networkSpecs) {
        HpcControls c = new HpcControls();
        for (String spec : powerSpecs) {
            String[] mk = split(spec, "--power");
            if (c.power.put(mk[0], power(mk[1], spec)) != null) {
                throw new IllegalArgumentException("--power names HPC " + mk[0] + " twice");
            }
        }
        for (String spec : networkSpecs) {
            String[] mk = split(spec, "--cut-network");
            if (c.network.put(mk[0], network(mk[1], spec)) != null) {
                throw new IllegalArgumentException("--cut-network names HPC " + mk[0] + " twice");
            }
        }
        return c;
    }

    /** The controls of one HPC, set in code (tests, the VM harness). */
    public HpcControls with(String mac, PowerControl p, NetworkControl n) {
        String m = mac.toLowerCase(Locale.ROOT);
        if (p != null) {
            power.put(m, p);
        }
        if (n != null) {
            network.put(m, n);
        }
        return this;
    }

    private static String[] split(String spec, String option) {
        int eq = spec.indexOf('=');
        String mac = eq < 0 ? "" : spec.substring(0, eq).toLowerCase(Locale.ROOT);
        if (!mac.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException(option + " takes MAC=KIND:ARGS (one HPC per entry, never a global target), got '" + spec + "'");
        }
        return new String[] {mac, spec.substring(eq + 1)};
    }

    private static PowerControl power(String kindArgs, String spec) {
        int colon = kindArgs.indexOf(':');
        String kind = colon < 0 ? kindArgs : kindArgs.substring(0, colon);
        String args = colon < 0 ? "" : kindArgs.substring(colon + 1);
        switch (kind) {
            case "qemu":
                return new QemuMonitorPowerControl(hpc -> Path.of(args));
            case "ipmi": {
                String[] a = args.split(",");
                if (a.length != 3) {
                    throw new IllegalArgumentException("--power MAC=ipmi:HOST,USER,PASSWORD-FILE, got '" + spec + "'");
                }
                return new IpmiPowerControl("ipmitool", a[0], a[1], Path.of(a[2]));
            }
            case "wol":
                return new WakeOnLanPowerControl(new InetSocketAddress(args, 9));
            default:
                throw new IllegalArgumentException("--power MAC=qemu:SOCKET, MAC=ipmi:HOST,USER,PASSWORD-FILE or MAC=wol:BROADCAST, got '" + spec + "'");
        }
    }

    private static NetworkControl network(String kindArgs, String spec) {
        int colon = kindArgs.indexOf(':');
        String kind = colon < 0 ? kindArgs : kindArgs.substring(0, colon);
        String args = colon < 0 ? "" : kindArgs.substring(colon + 1);
        return switch (kind) {
            case "link" -> new LinkNetworkControl(null, args);
            case "nft" -> new NftablesNetworkControl(null, args);
            default -> throw new IllegalArgumentException("--cut-network MAC=link:IF or MAC=nft:IF, got '" + spec + "'");
        };
    }

    /** A power control that acts on the HPC named in each call, through that HPC's own controller. */
    public PowerControl power() {
        return new PowerControl() {
            @Override
            public void powerCycle(String hpc) throws IOException {
                PowerControl p = power.get(hpc.toLowerCase(Locale.ROOT));
                if (p == null) {
                    throw new IOException("no power control is configured for HPC " + hpc + " (--power " + hpc + "=KIND:ARGS)");
                }
                p.powerCycle(hpc);
            }

            @Override
            public String describe() {
                return power.isEmpty() ? "none" : "per-HPC control (" + power.size() + " HPC(s))";
            }

            @Override
            public String describe(String hpc) {
                PowerControl p = power.get(hpc.toLowerCase(Locale.ROOT));
                return p == null ? "none (no power control for this HPC)" : p.describe(hpc);
            }
        };
    }

    /** A network control that cuts only the HPC named in each call. */
    public NetworkControl network() {
        return new NetworkControl() {
            @Override
            public void cut(String hpc) throws IOException {
                of(hpc).cut(hpc);
            }

            @Override
            public void restore(String hpc) throws IOException {
                of(hpc).restore(hpc);
            }

            private NetworkControl of(String hpc) throws IOException {
                NetworkControl n = network.get(hpc.toLowerCase(Locale.ROOT));
                if (n == null) {
                    throw new IOException("no network control is configured for HPC " + hpc + " (--cut-network " + hpc + "=KIND:IF)");
                }
                return n;
            }
        };
    }
}
