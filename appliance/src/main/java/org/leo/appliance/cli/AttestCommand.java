package org.leo.appliance.cli;

import picocli.CommandLine.Command;

/** {@code leo attest}: the attestation server's event log and CA. */
@Command(name = "attest",
        mixinStandardHelpOptions = true,
        subcommands = {AttestLogCommand.class, AttestCaCommand.class, AttestHpcCommand.class},
        description = {"Attestation: the hash-chained event log and the appliance CA.",
                "The attestation server itself runs inside 'leo pxe serve --attest'."})
public class AttestCommand {
}
