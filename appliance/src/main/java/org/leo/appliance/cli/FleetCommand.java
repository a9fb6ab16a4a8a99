package org.leo.appliance.cli;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.attest.ca.ApplianceCa;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.fleet.EnrollmentToken;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.fleet.PeerList;
import org.leo.consensus.ledger.EvmLedgerConfig;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo fleet identity|peer}: a Pi's line of the fleet's static peer list, on the Pi, or from its enrollment token. */
@Command(name = "fleet",
        mixinStandardHelpOptions = true,
        subcommands = {FleetCommand.Identity.class, FleetCommand.Peer.class},
        description = {
            "The fleet of Pis that judge each other's HPCs (docs/consensus.md). Each Pi prints its line of the static peer list "
                + "with 'leo fleet identity' (or 'leo fleet peer' makes it from the enrollment token the Pi printed at first boot); "
                + "Ansible gathers the lines into /etc/leo/fleet-peers on every Pi, and 'leo pxe serve --fleet' runs the consensus "
                + "service."})
public class FleetCommand {
    /** A fleet address: HOST:PORT, [IPv6]:PORT. */
    record HostPort(String host, int port) {
        /** The address, or null if it is not HOST:PORT with a port 1..65535. */
        static HostPort parse(String address) {
            int colon = address.lastIndexOf(':');
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(address.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                return null;
            }
            String host = address.substring(0, colon);
            return new HostPort(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host, port);
        }
    }

    /** Where a Pi is in the peer list: its Fleet address and its HPCs (leo fleet identity and leo fleet peer). */
    static class Place {
        @Option(names = "--address", paramLabel = "HOST:PORT", required = true,
                description = "Where the other Pis reach this Pi's Fleet port (its --fleet-listen, as seen from the fleet's network).")
        String address;

        @Option(names = "--mac", paramLabel = "MAC", split = ",", description = "An HPC this Pi serves (repeat, or comma-separated).")
        List<String> hpcs = new ArrayList<>();

        /** --address, or null after saying on standard error that it is not HOST:PORT. */
        HostPort at(String command) {
            HostPort at = HostPort.parse(address);
            if (at == null) {
                System.err.println(command + ": --address '" + address + "' is not HOST:PORT");
            }
            return at;
        }

        /** The --mac values as MAC addresses, or null after saying on standard error which one is not. */
        List<MacAddress> macs(String command) {
            List<MacAddress> macs = new ArrayList<>();
            for (String h : hpcs) {
                try {
                    macs.add(MacAddress.parse(h));
                } catch (IllegalArgumentException e) {
                    System.err.println(command + ": --mac '" + h + "' is not a MAC address");
                    return null;
                }
            }
            return macs;
        }
    }

    @Command(name = "peer",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print a Pi's line of the fleet's peer list from the enrollment token its first boot printed.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "The operator's side of 'leo firstboot': the token (pasted from the Pi's console) holds the Pi's member key, the "
                    + "SHA-256 of its TPM attestation key and of its appliance CA, which the line pins, and its TPM endorsement "
                    + "key's, which a comment shows for the operator's records. A mistyped or cut token is refused (its 4-byte "
                    + "check). The line is the one 'leo fleet identity' prints on that Pi for the same address and HPCs; append "
                    + "the output to the peer list as it is.",
                "",
                "With --json: {line, member, address, akSha256, caSha256, hpcs, ekType, ekSha256}."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed", "2:invalid options, or a token that is not one (the message says why)"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo fleet peer --token leo1-... --address pi7.lab:7450 --mac 52:54:00:77:00:17 >> /etc/leo/fleet-peers"})
    static class Peer implements Callable<Integer> {
        @Option(names = "--token", paramLabel = "TOKEN", required = true, description = "The Pi's enrollment token (leo1-...; case, "
                + "spaces and dashes after the prefix do not matter).")
        String token;

        @picocli.CommandLine.Mixin
        Place place = new Place();

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** The {@code --json} document. */
        record Shown(String line, String member, String address, String akSha256, String caSha256, List<String> hpcs, String ekType,
                     String ekSha256) { }

        @Override
        public Integer call() {
            EnrollmentToken t;
            try {
                t = EnrollmentToken.decode(token);
            } catch (IllegalArgumentException e) {
                System.err.println("leo fleet peer: --token: " + e.getMessage());
                return 2;
            }
            HostPort at = place.at("leo fleet peer");
            List<MacAddress> macs = place.macs("leo fleet peer");
            if (at == null || macs == null) {
                return 2;
            }
            PeerList.Peer peer = t.toPeer(at.host(), at.port(), macs);
            HexFormat hex = HexFormat.of();
            if (output.json) {
                Json.print(new Shown(peer.toLine(), t.memberHex(), place.address, hex.formatHex(t.akSha256()), hex.formatHex(t.caSha256()),
                        macs.stream().map(MacAddress::toString).toList(), t.ekType().name(), hex.formatHex(t.ekSha256())));
                return 0;
            }
            System.out.println("# leo fleet peer: from an enrollment token; the Pi's TPM endorsement key: " + t.ekType() + " sha256 "
                    + hex.formatHex(t.ekSha256()));
            System.out.println(peer.toLine());
            return 0;
        }
    }

    @Command(name = "identity",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print this Pi's line of the fleet's static peer list (making its member keys on first use).",
            descriptionHeading = "%nDescription:%n",
            description = {
                "The line is 'MEMBER-KEY HOST:PORT AK-SHA256 ca=CA-SHA256 [hpc=MAC,...]': the Pi's member key (the public half of "
                    + "its verdict key, made once in DATA-DIR/consensus/member.key), the address other Pis reach its Fleet port "
                    + "at, the SHA-256 of its TPM attestation key (the join quote and every relayed answer are checked against it), "
                    + "the SHA-256 of its appliance CA (which the HPC agents' certificates chain to), and the HPCs it serves. "
                    + "Comment lines (#) around it name the VRF key, the fingerprint of the TPM's capsule wrap key (whose public "
                    + "half it writes to DATA-DIR/" + FleetAppliance.CAPSULE_WRAP_KEY + ", for 'leo capsule seal --wrap-key') and, "
                    + "with --evm-key-file, the EVM account the ledger's owner admits ('leo ledger admit-account'). The whole "
                    + "output may be appended to the peer list as it is.",
                "",
                "With --json: {line, member, address, akSha256, caSha256, hpcs, vrfKey, capsuleWrapKey, capsuleWrapKeyFile, "
                    + "evmAccount} (line: the peer list line; evmAccount null without --evm-key-file)."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed", "1:the TPM, the CA or the key file cannot be read", "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo fleet identity --tpm device:/dev/tpmrm0 --address 10.78.0.1:7450 --mac 52:54:00:77:00:10",
                "  leo fleet identity --data-dir /var/lib/leo --tpm swtpm:127.0.0.1:2321 --address pi1.lab:7450 "
                    + "--evm-key-file /etc/leo/evm.key >> fleet-peers"})
    static class Identity implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory (as for leo pxe serve). Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--tpm", paramLabel = "ENDPOINT", required = true,
                description = "The Pi's TPM: device:/dev/tpmrm0, or swtpm:HOST:PORT for a software TPM.")
        String tpm;

        @picocli.CommandLine.Mixin
        Place place = new Place();

        @Option(names = "--evm-key-file", paramLabel = "FILE", description = "This appliance's EVM account key: its address is printed too.")
        Path evmKeyFile;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** The {@code --json} document. */
        record Shown(String line, String member, String address, String akSha256, String caSha256, List<String> hpcs, String vrfKey,
                        String capsuleWrapKey, String capsuleWrapKeyFile, String evmAccount) { }

        @Override
        public Integer call() {
            List<MacAddress> macs = place.macs("leo fleet identity");
            HostPort at = place.at("leo fleet identity");
            if (at == null || macs == null) {
                return 2;
            }
            TpmEndpoint endpoint;
            try {
                endpoint = TpmEndpoint.parse(tpm);
            } catch (IllegalArgumentException e) {
                System.err.println("leo fleet identity: --tpm: " + e.getMessage());
                return 2;
            }
            try (Tpm t = Tpm.open(endpoint)) {
                MemberKeys keys = MemberKeyFile.loadOrCreate(dataDir.resolve(FleetOptions.DIR), new SecureRandom());
                ApplianceCa ca = ApplianceCa.loadOrCreate(AttestOptions.caDir(dataDir), Clock.systemUTC());
                PeerList.Peer self = new PeerList.Peer(keys.member(), at.host(), at.port(),
                        HexFormat.of().parseHex(t.attestationKey().fingerprint()), Optional.of(HexFormat.of().parseHex(ca.fingerprint())), macs);
                String wrapKey = FleetAppliance.publishWrapKey(t, dataDir).fingerprint();
                String evmAccount = evmKeyFile == null ? null : EvmLedgerConfig.accountOf(EvmOptions.readKey(evmKeyFile)).toString();
                if (output.json) {
                    Json.print(new Shown(self.toLine(), HexFormat.of().formatHex(keys.member()), place.address, t.attestationKey().fingerprint(),
                            ca.fingerprint(), macs.stream().map(MacAddress::toString).toList(), HexFormat.of().formatHex(keys.vrfKey()), wrapKey,
                            dataDir.resolve(FleetAppliance.CAPSULE_WRAP_KEY).toString(), evmAccount));
                    return 0;
                }
                System.out.println("# leo fleet identity: member keys " + dataDir.resolve(FleetOptions.DIR).resolve(MemberKeyFile.NAME)
                        + ", TPM " + endpoint);
                System.out.println(self.toLine());
                System.out.println("# vrf-key " + HexFormat.of().formatHex(keys.vrfKey()));
                System.out.println("# capsule-wrap-key " + wrapKey + " " + dataDir.resolve(FleetAppliance.CAPSULE_WRAP_KEY));
                if (evmAccount != null) {
                    System.out.println("# evm-account " + evmAccount);
                }
                return 0;
            } catch (Exception e) {
                System.err.println("leo fleet identity: " + e.getMessage());
                return 1;
            }
        }
    }
}
