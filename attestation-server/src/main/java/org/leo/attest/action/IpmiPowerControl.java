package org.leo.attest.action;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Power-cycles through the HPC's BMC with {@code ipmitool -I lanplus -H host -U user -f passwordfile
 * chassis power cycle}. The password is read by ipmitool from a file (never on a command line that
 * {@code ps} shows).
 */
public final class IpmiPowerControl implements PowerControl {
    private final String ipmitool;
    private final String host;
    private final String user;
    private final Path passwordFile;

    public IpmiPowerControl(String ipmitool, String host, String user, Path passwordFile) {
        this.ipmitool = ipmitool;
        this.host = host;
        this.user = user;
        this.passwordFile = passwordFile;
    }

    /** The command line that power-cycles (no secrets in it). */
    List<String> command() {
        List<String> c = new ArrayList<>(List.of(ipmitool, "-I", "lanplus", "-H", host, "-U", user, "-f", passwordFile.toString()));
        c.addAll(List.of("chassis", "power", "cycle"));
        return c;
    }

    @Override
    public void powerCycle(String hpc) throws IOException {
        Commands.run(command());
    }

    @Override
    public String describe() {
        return "IPMI " + user + "@" + host;
    }
}
