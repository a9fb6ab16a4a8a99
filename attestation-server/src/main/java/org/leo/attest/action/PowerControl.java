package org.leo.attest.action;

import java.io.IOException;

/**
 * Turns an HPC off and on again. Implementations: {@link QemuMonitorPowerControl} (tests and
 * demos: the VM's QMP socket), {@link IpmiPowerControl} (a BMC, through ipmitool) and
 * {@link WakeOnLanPowerControl} (power on only).
 */
public interface PowerControl {
    PowerControl NONE = new PowerControl() {
        @Override
        public void powerCycle(String hpc) throws IOException {
            throw new IOException("no power control is configured for " + hpc);
        }

        @Override
        public String describe() {
            return "none";
        }
    };

    /** Power-cycles {@code hpc}; returns once the controller accepted the command. */
    void powerCycle(String hpc) throws IOException;

    /** For the log: "QEMU monitor /run/leo/vm.qmp". */
    String describe();

    /** For the log: what power-cycles {@code hpc} (a per-HPC control names that HPC's own controller). */
    default String describe(String hpc) {
        return describe();
    }
}
