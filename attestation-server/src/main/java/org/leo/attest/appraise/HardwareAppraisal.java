package org.leo.attest.appraise;

import java.util.LinkedHashMap;
import java.util.Map;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;

/**
 * A device appearing, disappearing or changing identity (DMI, CPU, PCI, USB, block, NIC) is a finding.
 * The bus must be one of {@link FindingIds#BUSES}: a device on any other "bus" is malformed evidence
 * (an agent must not mint finding ids or dodge a severity key by spelling a bus differently).
 */
final class HardwareAppraisal {
    private HardwareAppraisal() {
    }

    static void appraise(HardwareResult got, Golden golden, Findings out) {
        if (golden.hardware().isEmpty()) {
            return;
        }
        Map<String, Device> before = index(golden.hardware().get(), null);
        Map<String, Device> now = index(got, out);
        for (Map.Entry<String, Device> e : now.entrySet()) {
            Device d = e.getValue();
            Device old = before.get(e.getKey());
            if (old == null) {
                out.add(d.getBus(), FindingIds.hardware(d.getBus(), "added"), "", d.getDescription(),
                        label(d.getBus()) + " " + d.getId() + " (" + d.getDescription() + ") appeared");
            } else if (!old.getDescription().equals(d.getDescription())) {
                out.add(d.getBus(), FindingIds.hardware(d.getBus(), "changed"), old.getDescription(), d.getDescription(),
                        label(d.getBus()) + " " + d.getId() + " changed from (" + old.getDescription() + ") to (" + d.getDescription() + ")");
            }
        }
        for (Map.Entry<String, Device> e : before.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                Device d = e.getValue();
                out.add(d.getBus(), FindingIds.hardware(d.getBus(), "removed"), d.getDescription(), "",
                        label(d.getBus()) + " " + d.getId() + " (" + d.getDescription() + ") disappeared");
            }
        }
    }

    /** Devices by "bus id"; devices on an unknown bus are left out (and reported once to {@code out}, if given). */
    private static Map<String, Device> index(HardwareResult r, Findings out) {
        Map<String, Device> m = new LinkedHashMap<>();
        boolean reported = false;
        for (Device d : r.getDevicesList()) {
            if (!FindingIds.BUSES.contains(d.getBus())) {
                if (out != null && !reported) {
                    reported = true;
                    out.add("hardware", "evidence.malformed", "a bus of " + FindingIds.BUSES, d.getBus(),
                            "the hardware answer names a device " + d.getId() + " on bus '" + d.getBus() + "', which is none of " + FindingIds.BUSES);
                }
                continue;
            }
            m.put(d.getBus() + " " + d.getId(), d);
        }
        return m;
    }

    private static String label(String bus) {
        return switch (bus) {
            case "usb" -> "USB device";
            case "pci" -> "PCI device";
            case "block" -> "block device";
            case "nic" -> "network interface";
            case "cpu" -> "CPU";
            case "dmi" -> "DMI field";
            default -> bus + " device";
        };
    }
}
