package org.leo.appliance.cli;

import picocli.CommandLine.Command;

/** {@code leo pxe}: the boot server and its manifest. */
@Command(name = "pxe",
        mixinStandardHelpOptions = true,
        subcommands = {PxeServeCommand.class, PxeManifestCommand.class, PxeEventsCommand.class},
        description = "Network boot: serve the measured HPC image over DHCP, TFTP and HTTP.")
public class PxeCommand {
}
