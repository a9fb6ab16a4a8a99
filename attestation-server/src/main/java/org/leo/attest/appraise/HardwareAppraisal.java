package org.leo.attest.appraise;

import java.util.LinkedHashMap;
import java.util.Map;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;

/** A device appearing, disappearing or changing identity (DMI, CPU, PCI, USB, block, NIC) is a finding. */
final class HardwareAppraisal {
    private HardwareAppraisal() {
    }

    static void appraise(HardwareResult got, Golden golden, Findings out) {
        if (golden.hardware().isEmpty()) {
            return;
        }
        Map<String, Device> before = index(golden.hardware().get());
        Map<String, Device> now = index(got);
        for (Map.Entry<String, Device> e : now.entrySet()) {
            Device d = e.getValue();
            Device old = before.get(e.getKey());
            if (old == null) {
                out.add(d.getBus(), "hardware." + d.getBus() + ".added", "", d.getDescription(),
                        label(d.getBus()) + " " + d.getId() + " (" + d.getDescription() + ") appeared");
            } else if (!old.getDescription().equals(d.getDescription())) {
                out.add(d.getBus(), "hardware." + d.getBus() + ".changed", old.getDescription(), d.getDescription(),
                        label(d.getBus()) + " " + d.getId() + " changed from (" + old.getDescription() + ") to (" + d.getDescription() + ")");
            }
        }
        for (Map.Entry<String, Device> e : before.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                Device d = e.getValue();
                out.add(d.getBus(), "hardware." + d.getBus() + ".removed", d.getDescription(), "",
                        label(d.getBus()) + " " + d.getId() + " (" + d.getDescription() + ") disappeared");
            }
        }
    }

    private static Map<String, Device> index(HardwareResult r) {
        Map<String, Device> m = new LinkedHashMap<>();
        for (Device d : r.getDevicesList()) {
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
