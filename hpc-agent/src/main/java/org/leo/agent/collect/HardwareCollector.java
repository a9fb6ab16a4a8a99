package org.leo.agent.collect;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;

/**
 * The devices the host has, one stable {@code Device} per thing, sorted by bus (in the order
 * below) and identity, so a device appearing or disappearing is a one-line difference:
 * <ul>
 *   <li>{@code dmi}: each readable attribute in {@code sys/class/dmi/id} (sys_vendor,
 *       product_name, product_uuid, bios_version, ...), id = attribute name;</li>
 *   <li>{@code cpu}: each processor of {@code proc/cpuinfo}, id = its number, description =
 *       "vendor_id model name (family F model M stepping S)" (never the clock, which moves);</li>
 *   <li>{@code pci}: {@code sys/bus/pci/devices/<address>}, "1af4:1000 class 020000";</li>
 *   <li>{@code usb}: each device (not interface) of {@code sys/bus/usb/devices}, id = port path,
 *       "vendor:product product-string serial";</li>
 *   <li>{@code block}: {@code sys/block/<name>}, "N sectors model M";</li>
 *   <li>{@code nic}: {@code sys/class/net/<name>}, description = MAC.</li>
 * </ul>
 * All values are the HPC's claims. Missing directories give fewer devices; values are stripped,
 * control characters replaced and lengths capped.
 */
public final class HardwareCollector {
    /** Bus names in result order. */
    public static final List<String> BUSES = List.of("dmi", "cpu", "pci", "usb", "block", "nic");
    /** Longest attribute value kept. */
    static final int MAX_VALUE_LENGTH = 256;
    /** Most lines read from proc/cpuinfo (~27 per processor: 8192 CPUs). */
    static final int MAX_CPUINFO_LINES = 262_144;
    /** DMI attributes that are not identity (event counters, sysfs plumbing). */
    private static final List<String> DMI_SKIP = List.of("uevent", "modalias", "power", "subsystem");

    private final HostPaths host;

    public HardwareCollector(HostPaths host) {
        this.host = host;
    }

    public HardwareResult collect() {
        List<Device> devices = new ArrayList<>();
        Path dmi = host.sys().resolve("class/dmi/id");
        for (String name : BoundedFiles.list(dmi)) {
            Path p = dmi.resolve(name);
            if (!DMI_SKIP.contains(name) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                value(p).ifPresent(v -> devices.add(device("dmi", name, v)));
            }
        }
        cpus(devices);
        Path pci = host.sys().resolve("bus/pci/devices");
        for (String address : BoundedFiles.list(pci)) {
            Path d = pci.resolve(address);
            devices.add(device("pci", address, hex(d, "vendor") + ":" + hex(d, "device") + " class " + hex(d, "class")));
        }
        Path usb = host.sys().resolve("bus/usb/devices");
        for (String port : BoundedFiles.list(usb)) {
            Path d = usb.resolve(port);
            Optional<String> vendor = value(d.resolve("idVendor"));
            if (vendor.isEmpty()) {
                continue; // an interface ("1-1:1.0"), not a device
            }
            StringBuilder s = new StringBuilder(vendor.get()).append(':')
                    .append(value(d.resolve("idProduct")).orElse("?"));
            value(d.resolve("product")).ifPresent(v -> s.append(' ').append(v));
            value(d.resolve("serial")).ifPresent(v -> s.append(" serial ").append(v));
            devices.add(device("usb", port, s.toString()));
        }
        Path block = host.sys().resolve("block");
        for (String name : BoundedFiles.list(block)) {
            Path d = block.resolve(name);
            StringBuilder s = new StringBuilder(value(d.resolve("size")).orElse("?")).append(" sectors");
            value(d.resolve("device/model")).ifPresent(v -> s.append(" model ").append(v));
            devices.add(device("block", name, s.toString()));
        }
        Path net = host.sys().resolve("class/net");
        for (String name : BoundedFiles.list(net)) {
            devices.add(device("nic", name, value(net.resolve(name).resolve("address")).orElse("")));
        }
        devices.sort(Comparator.comparingInt((Device d) -> BUSES.indexOf(d.getBus()))
                .thenComparing(Device::getId, HardwareCollector::compareIds));
        return HardwareResult.newBuilder().addAllDevices(devices).build();
    }

    private void cpus(List<Device> devices) {
        Map<String, String> cpu = new TreeMap<>();
        for (String line : BoundedFiles.readLines(host.proc().resolve("cpuinfo"), MAX_CPUINFO_LINES)) {
            if (line.isBlank()) {
                addCpu(devices, cpu);
                cpu.clear();
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                cpu.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        addCpu(devices, cpu);
    }

    private static void addCpu(List<Device> devices, Map<String, String> cpu) {
        String n = cpu.get("processor");
        if (n == null) {
            return;
        }
        String d = cpu.getOrDefault("vendor_id", "?") + " " + cpu.getOrDefault("model name", "?")
                + " (family " + cpu.getOrDefault("cpu family", "?") + " model " + cpu.getOrDefault("model", "?")
                + " stepping " + cpu.getOrDefault("stepping", "?") + ")";
        devices.add(device("cpu", n, d));
    }

    private static Device device(String bus, String id, String description) {
        return Device.newBuilder().setBus(bus).setId(Text.printable(id, MAX_VALUE_LENGTH))
                .setDescription(Text.printable(description, MAX_VALUE_LENGTH)).build();
    }

    private static Optional<String> value(Path file) {
        return BoundedFiles.readValue(file, MAX_VALUE_LENGTH).filter(v -> !v.isEmpty());
    }

    /** A sysfs hex attribute ("0x1af4") without its prefix, or "?". */
    private static String hex(Path dir, String name) {
        String v = value(dir.resolve(name)).orElse("?");
        return v.startsWith("0x") ? v.substring(2) : v;
    }

    /**
     * All-digit ids first in numeric order (cpu 2 before cpu 10), then the rest in text order: a
     * total order, so a crafted mix of ids cannot break the sort.
     */
    static int compareIds(String a, String b) {
        boolean na = Text.isDigits(a, 9);
        boolean nb = Text.isDigits(b, 9);
        if (na && nb) {
            return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
        }
        if (na != nb) {
            return na ? -1 : 1;
        }
        return a.compareTo(b);
    }
}
