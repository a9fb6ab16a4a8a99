package org.leo.appliance.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.appliance.gateway.Addresses;
import org.leo.appliance.gateway.DropReason;
import org.leo.appliance.gateway.GatewayConfig;
import org.leo.appliance.gateway.GatewayRuleset;
import org.leo.appliance.gateway.GatewayState;
import org.leo.appliance.gateway.Nft;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo gateway rules|apply|counters}: the Pi as the HPC's only gateway, in nftables (docs/gateway.md). */
@Command(name = "gateway",
        mixinStandardHelpOptions = true,
        subcommands = {GatewayCommand.Rules.class, GatewayCommand.Apply.class, GatewayCommand.Counters.class},
        header = "The HPC segment's firewall: print, apply and read the nftables ruleset of the Pi as the HPC's only gateway.",
        description = {
            "The Pi is the HPC's only network link. Its nftables table 'inet leo' lets the HPC segment reach the Pi's boot and "
                + "attestation ports (DHCP, TFTP, HTTP boot, enrollment, attestation; the ports 'leo serve' is configured with) "
                + "and the IPv6 neighbour discovery they need, and beyond the Pi only what a task explicitly allows "
                + "(--gateway-allow). Every other packet from the segment is dropped, counted in a named counter per reason, "
                + "recorded by source MAC and destination, and logged with the prefix 'leo-gw-drop'; 'leo serve --attest' makes "
                + "each HPC's blocked attempts a finding (network.egress.blocked). docs/gateway.md says what is verified."})
public class GatewayCommand {

    /** --netns: nft in another network namespace, for tests; not a key of the configuration file. */
    static class Netns {
        @Option(names = "--netns", paramLabel = "NAME", hidden = true, description = "Run nft in that network namespace (ip netns exec).")
        String name;

        Nft nft() {
            return name == null ? Nft.here() : Nft.inNetns(name);
        }
    }

    static GatewayConfig config(GatewaySettings settings, CommandSpec spec) {
        try {
            return settings.toConfig();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Command(name = "rules",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            headerHeading = "%n",
            header = "Print the gateway's nftables ruleset for the appliance's configuration.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Prints the ruleset 'leo gateway apply' loads, as 'nft -f' reads it: one table 'inet leo' that replaces itself "
                    + "in one transaction (table; delete table; the definition), so loading it twice gives the same ruleset. "
                    + "Nothing is changed and no privilege is needed.",
                "",
                "Options come from /etc/leo/leo.properties and its drop-ins as for 'leo serve' (the same keys: interface, "
                    + "tftp-port, web-port, ...; and the gateway-* keys); the command line wins."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed", "2:invalid options (the message names them)"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo gateway rules --interface eth1",
                "  leo gateway rules --interface eth1 --gateway-uplink eth0 --gateway-allow tcp:192.0.2.7:443,nat",
                "  leo gateway rules > leo-gateway.nft && nft -c -f leo-gateway.nft"},
            defaultValueProvider = LeoConfigFile.class)
    static class Rules implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GatewaySettings settings = new GatewaySettings();

        @Override
        public Integer call() {
            System.out.print(GatewayRuleset.render(config(settings, spec)));
            return 0;
        }
    }

    @Command(name = "apply",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            headerHeading = "%n",
            header = "Load the gateway's nftables ruleset into the kernel (as root).",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Loads what 'leo gateway rules' prints with 'nft -f': the table 'inet leo' is replaced in one transaction (a "
                    + "ruleset nft refuses leaves the previous one in place), its counters and attempt sets start from zero. "
                    + "Other tables are not touched. Needs root or CAP_NET_ADMIN. Run it before 'leo serve' starts (systemd: "
                    + "ExecStartPre) and after changing the ports or the gateway-* keys.",
                "",
                "The ruleset filters whether or not the Pi forwards (net.ipv4.ip_forward): a task allowance needs forwarding on, "
                    + "which this command does not change."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:loaded", "1:nft refused or failed (not root, nftables missing, a kernel without a feature); the message says which",
                "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo gateway apply --interface eth1 --gateway-log-group 5",
                "  leo gateway apply     (everything from /etc/leo/leo.properties)"},
            defaultValueProvider = LeoConfigFile.class)
    static class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        GatewaySettings settings = new GatewaySettings();

        @Mixin
        Netns netns = new Netns();

        @Override
        public Integer call() throws IOException {
            GatewayConfig c = config(settings, spec);
            Nft nft = netns.nft();
            nft.load(GatewayRuleset.render(c));
            GatewayState.parse(nft.listTable()); // it is there, and readable as 'leo gateway counters' reads it
            System.out.println("leo gateway apply: table inet " + GatewayRuleset.TABLE + " loaded: HPC segment " + c.hpcInterface()
                    + c.subnet().map(s -> " (" + s + ")").orElse("") + ", " + c.piPorts().size() + " ports of the Pi open, "
                    + c.allowances().size() + " task allowance" + (c.allowances().size() == 1 ? "" : "s") + ", counters from zero");
            return 0;
        }
    }

    /** One named counter in {@code --json}. */
    record CounterRow(String name, long packets, long bytes, String meaning) { }

    /** One element of the attempt sets in {@code --json}. */
    record AttemptRow(String mac, String source, String destination, String protocol, int port, long packets, long bytes) { }

    /** The {@code --json} document of {@code leo gateway counters}. */
    record Shown(List<CounterRow> counters, List<AttemptRow> attempts) { }

    @Command(name = "counters",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print the gateway's drop counters and who tried to reach what.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the table 'inet leo' ('nft -j list table inet leo'; root or CAP_NET_ADMIN) and prints each named "
                    + "counter (packets, bytes, what it counts) since the ruleset was applied, then each recorded attempt: the "
                    + "source MAC and address, the destination, protocol and port, and its packets (an attempt is forgotten "
                    + GatewayRuleset.ATTEMPT_TIMEOUT + " after its last packet).",
                "",
                "With --json: {counters: [{name, packets, bytes, meaning}], attempts: [{mac, source, destination, protocol, port, "
                    + "packets, bytes}]} (port 0 for protocols without ports)."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed", "1:the table cannot be read (not applied: 'leo gateway apply'; not root)", "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo gateway counters", "  leo gateway counters --json"})
    static class Counters implements Callable<Integer> {
        @Mixin
        JsonOption output = new JsonOption();

        @Mixin
        Netns netns = new Netns();

        @Override
        public Integer call() throws IOException {
            GatewayState s = GatewayState.parse(netns.nft().listTable());
            List<CounterRow> counters = s.counters().entrySet().stream().map(e -> new CounterRow(e.getKey(), e.getValue().packets(),
                    e.getValue().bytes(), DropReason.ofCounter(e.getKey()).map(DropReason::meaning).orElse(""))).toList();
            List<AttemptRow> attempts = s.attempts().stream().map(a -> new AttemptRow(a.mac().toString(), Addresses.text(a.source()),
                    Addresses.text(a.destination()), a.protocol(), a.port(), a.packets(), a.bytes())).toList();
            if (output.json) {
                Json.print(new Shown(counters, attempts));
                return 0;
            }
            System.out.printf("%-14s %10s %12s  %s%n", "counter", "packets", "bytes", "counts packets");
            for (CounterRow c : counters) {
                System.out.printf("%-14s %10d %12d  %s%n", c.name(), c.packets(), c.bytes(), c.meaning());
            }
            System.out.println();
            System.out.println(attempts.isEmpty() ? "no attempts recorded" : "attempts (source MAC, source, destination, packets, bytes):");
            for (GatewayState.Attempt a : s.attempts()) {
                System.out.printf("%s  %-15s  %-28s %8d %10d%n", a.mac(), Addresses.text(a.source()), a.target(), a.packets(), a.bytes());
            }
            return 0;
        }
    }
}
