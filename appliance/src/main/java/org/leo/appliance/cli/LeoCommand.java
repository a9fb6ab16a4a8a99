package org.leo.appliance.cli;

import picocli.CommandLine.Command;

/** The {@code leo} command: the appliance's single entry point. */
@Command(name = "leo",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        subcommands = {ServeCommand.class, PxeCommand.class, AttestCommand.class, ImageCommand.class, FlashCommand.class, FirstbootCommand.class,
                VrfCommand.class, LedgerCommand.class, FleetCommand.class, CapsuleCommand.class, ServiceCommand.class, TaskCommand.class,
                UserCommand.class, ConfigCommand.class, GatewayCommand.class},
        description = {
                "The Leo trusted-compute appliance.",
                "",
                "Leo runs on a Raspberry Pi with a TPM that is the only network link of an isolated compute",
                "machine (the HPC). It network-boots the HPC with a measured image and attests it.",
        },
        footerHeading = "%nSee also:%n",
        footer = {"  leo pxe --help       boot serving (DHCP, TFTP, HTTP) and the boot manifest",
                "  leo attest --help    the attestation event log and the appliance CA",
                "  leo image --help     the HPC boot image and its verification",
                "  leo flash --help     write a signed appliance image to an SD card and verify it there",
                "  leo firstboot --help the Pi's keys, made once, and its enrollment token for the fleet",
                "  leo vrf --help       the consensus VRF (RFC 9381): keys, proofs, sortition",
                "  leo ledger --help    the fleet's ledger of attestation records",
                "  leo capsule --help   digital capsules: seal, open and inspect the data and code of trusted tasks",
                "  leo gateway --help   the HPC segment's firewall: the Pi as the HPC's only gateway",
                "  leo config --help    the appliance's configuration file: check it, show the effective values"})
public class LeoCommand {
}
