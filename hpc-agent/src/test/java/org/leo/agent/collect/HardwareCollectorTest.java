package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;

class HardwareCollectorTest {
    @TempDir
    Path dir;

    @Test
    void craftedHostGivesSortedStableDeviceLines() {
        HardwareResult r = new HardwareCollector(CraftedHost.copyTo(dir)).collect();
        assertThat(lines(r)).containsExactly(
                "dmi product_name Standard PC (i440FX + PIIX, 1996)",
                "dmi sys_vendor QEMU",
                "cpu 0 GenuineIntel Intel(R) Xeon(R) Processor (family 6 model 85 stepping 7)",
                "cpu 1 GenuineIntel Intel(R) Xeon(R) Processor (family 6 model 85 stepping 7)",
                "pci 0000:00:00.0 8086:1237 class 060000",
                "pci 0000:00:03.0 1af4:1000 class 020000",
                "usb 1-1 0627:0001 QEMU USB Tablet serial 42",
                "usb usb1 1d6b:0001 UHCI Host Controller",
                "block sda 2048 sectors model QEMU HARDDISK",
                "block vda 41943040 sectors",
                "nic eth0 52:54:00:12:34:56",
                "nic lo 00:00:00:00:00:00");
    }

    @Test
    void aDeviceAppearingIsOneMoreLine() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        List<String> before = lines(new HardwareCollector(host).collect());
        Path usb = host.sys().resolve("bus/usb/devices/1-2");
        Files.createDirectories(usb);
        Files.writeString(usb.resolve("idVendor"), "0781\n");
        Files.writeString(usb.resolve("idProduct"), "5567\n");
        Files.writeString(usb.resolve("product"), "Cruzer Blade\n");
        List<String> after = lines(new HardwareCollector(host).collect());
        assertThat(after).hasSize(before.size() + 1).containsAll(before)
                .contains("usb 1-2 0781:5567 Cruzer Blade");
    }

    @Test
    void hostileValuesAreFlattenedAndCapped() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        Files.writeString(host.sys().resolve("class/dmi/id/product_name"), "line one\nnic fake 00:11\n" + "x".repeat(5000));
        Device d = new HardwareCollector(host).collect().getDevicesList().stream()
                .filter(x -> x.getId().equals("product_name")).findFirst().orElseThrow();
        assertThat(d.getDescription()).startsWith("line one?nic fake 00:11?xxx").hasSize(HardwareCollector.MAX_VALUE_LENGTH);
    }

    @Test
    void anEmptyHostHasNoDevices() {
        assertThat(new HardwareCollector(HostPaths.under(dir)).collect().getDevicesList()).isEmpty();
    }

    @Test
    void idsSortNumbersFirstAndTotally() {
        List<String> ids = new java.util.ArrayList<>(List.of("1a", "10", "2", "b", "007"));
        ids.sort(HardwareCollector::compareIds);
        assertThat(ids).containsExactly("2", "007", "10", "1a", "b");
    }

    static List<String> lines(HardwareResult r) {
        return r.getDevicesList().stream().map(d -> d.getBus() + " " + d.getId() + " " + d.getDescription()).toList();
    }
}
