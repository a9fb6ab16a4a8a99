package org.leo.pxe.vm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Phases of one network boot, each relative to the VM's power-on (QEMU process start), taken from
 * the serial console (firmware, iPXE, the test initramfs) and, when the server can tell, its DHCPACK.
 *
 * @param firstSerialByte first byte on the serial console (firmware banner)
 * @param dhcpAck         the server sent its first DHCPACK (server-side clock, same nanoTime base)
 * @param ipxeConfigured  iPXE's {@code Configuring (net0 ...) ... ok}: DHCP done AND IPv6 autoconf
 *                        done (~16 s later than DHCP if no Router Advertisement answers its RS)
 * @param scriptLoaded    the boot script's first {@code echo LEO-IPXE: script loaded}
 * @param kernelFetched   iPXE printed {@code .../vmlinuz... ok} (possibly with progress: {@code ... 71%  ok})
 * @param initrdFetched   iPXE printed {@code .../initrd.img... ok}
 * @param marker          the initramfs /init printed {@code LEO-MARKER:}
 * @param done            the initramfs printed {@code LEO-DONE} (network probes finished)
 */
public record BootTimeline(Optional<Duration> firstSerialByte, Optional<Duration> dhcpAck,
                           Optional<Duration> ipxeConfigured, Optional<Duration> scriptLoaded,
                           Optional<Duration> kernelFetched, Optional<Duration> initrdFetched,
                           Optional<Duration> marker, Optional<Duration> done) {

    static final Pattern IPXE_CONFIGURED = Pattern.compile("Configuring \\(net\\d+ [0-9a-f:]+\\)[ .]*ok");
    /** The stand-in scripts echo "LEO-IPXE: script loaded", the product's per-boot script "Leo: booting". */
    static final Pattern SCRIPT_LOADED = Pattern.compile("LEO-IPXE: script loaded|Leo: booting");
    static final Pattern KERNEL_FETCHED = Pattern.compile("/vmlinuz\\.{3}[ 0-9%]*ok");
    static final Pattern INITRD_FETCHED = Pattern.compile("/initrd\\.img\\.{3}[ 0-9%]*ok");
    public static final Pattern MARKER = Pattern.compile("LEO-MARKER: initramfs reached");
    public static final Pattern DONE = Pattern.compile("LEO-DONE");

    /** The timeline of {@code vm} so far; {@code dhcpAckNanoTime} from {@link BootServerUnderTest#firstDhcpAckNanoTime()}. */
    public static BootTimeline of(QemuVm vm, Optional<Long> dhcpAckNanoTime) {
        return parse(vm.serialLines(), vm.firstSerialByte(),
                dhcpAckNanoTime.map(n -> Duration.ofNanos(n - vm.powerOnNanoTime())));
    }

    /** Pure: the timeline from serial lines (first match of each phase). */
    public static BootTimeline parse(List<SerialLine> lines, Optional<Duration> firstSerialByte,
                                     Optional<Duration> dhcpAck) {
        return new BootTimeline(firstSerialByte, dhcpAck, first(lines, IPXE_CONFIGURED), first(lines, SCRIPT_LOADED),
                first(lines, KERNEL_FETCHED), first(lines, INITRD_FETCHED), first(lines, MARKER), first(lines, DONE));
    }

    private static Optional<Duration> first(List<SerialLine> lines, Pattern p) {
        return lines.stream().filter(l -> p.matcher(l.text()).find()).findFirst().map(SerialLine::at);
    }

    /** Phase name to time, in boot order. */
    public Map<String, Optional<Duration>> phases() {
        Map<String, Optional<Duration>> m = new LinkedHashMap<>();
        m.put("power-on", Optional.of(Duration.ZERO));
        m.put("first serial byte", firstSerialByte);
        m.put("DHCPACK sent (server)", dhcpAck);
        m.put("iPXE configured (DHCP+IPv6)", ipxeConfigured);
        m.put("boot script loaded", scriptLoaded);
        m.put("kernel fetched", kernelFetched);
        m.put("initrd fetched", initrdFetched);
        m.put("initramfs marker", marker);
        m.put("LEO-DONE", done);
        return m;
    }

    /** One line per phase: {@code   +  9.123 s  initramfs marker}, "-" for phases not seen. */
    public String format(String title) {
        StringBuilder b = new StringBuilder(title).append('\n');
        phases().forEach((name, t) -> b.append(t.map(d -> String.format(Locale.ROOT, "  +%7.3f s  ", d.toNanos() / 1e9))
                .orElse("        -   ")).append(name).append('\n'));
        return b.toString();
    }

    @Override
    public String toString() {
        return format("boot timeline");
    }
}
