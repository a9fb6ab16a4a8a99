package org.leo.appliance.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.leo.image.CpioWriter;
import org.leo.image.HpcUki;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.pxe.vm.BootArtifacts;

/**
 * What the HPC's owner boots instead of the image in {@link MeasuredBootIT}: a unified kernel image
 * of the image's own stub ({@value HpcUki#STUB_PACKAGE}) and kernel whose initrd is the image's
 * {@code initrd.img} followed by a small gzip'd newc archive holding only {@code init} (in
 * concatenated archives the later entry wins), on an EFI system partition directory that QEMU
 * serves as a {@code fat:} disk.
 */
final class RogueUki {
    /** The image's own kernel arguments ({@code HpcImageBuilder.kernelArguments("amd64")}): the rogue UKI's .cmdline. */
    static final String IMAGE_KERNEL_ARGS = "console=tty0 console=ttyS0,115200 panic=10 quiet loglevel=4";
    private static final long SOURCE_DATE_EPOCH = 1_764_547_200L;

    private RogueUki() {
    }

    /**
     * Builds the rogue UKI under {@code dir} and returns the ESP directory holding it as
     * {@code EFI/BOOT/BOOTX64.EFI} (OVMF's removable-media path).
     *
     * @param image   the real image (kernel and initrd)
     * @param realUki the real {@value IpxeTemplate#UKI}, to print its digest beside the rogue one's
     * @param stubRoot the unpacked {@value HpcUki#STUB_PACKAGE} the real UKI was built on
     * @param server  the Pi's HTTP boot server, HOST:PORT
     */
    static Path esp(Path dir, BootArtifacts image, HpcUki.Built realUki, Path stubRoot, String server) throws IOException {
        Path build = Files.createDirectories(dir.resolve("build"));
        ByteArrayOutputStream overlay = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(overlay)) {
            CpioWriter.write(List.of(CpioWriter.Entry.file("init", 0755, init(server).getBytes(StandardCharsets.US_ASCII))),
                    SOURCE_DATE_EPOCH, gz);
        }
        Path initrd = build.resolve("rogue-initrd.img");
        Files.copy(image.initrd(), initrd);
        Files.write(initrd, overlay.toByteArray(), StandardOpenOption.APPEND);
        HpcUki.Built rogue = HpcUki.build(stubRoot, "amd64", image.vmlinuz(), initrd, "leo-hpc-e2e", IMAGE_KERNEL_ARGS, build);
        Path esp = dir.resolve("esp");
        Files.createDirectories(esp.resolve("EFI/BOOT"));
        Files.move(rogue.uki(), esp.resolve("EFI/BOOT/BOOTX64.EFI"));
        HexFormat hex = HexFormat.of();
        System.out.printf("rogue UKI: %d bytes, Authenticode %s (the image's: %s), PCR 11 %s%n", rogue.bytes(),
                hex.formatHex(rogue.measurements().authenticode()), hex.formatHex(realUki.measurements().authenticode()),
                hex.formatHex(rogue.measurements().pcr11()));
        return esp;
    }

    /**
     * The attacker's {@code /init}: the image's own start (file systems, drivers, DHCP as the HPC),
     * then what iPXE would do (fetch the per-boot script, so a fresh nonce, and the real UKI, so the
     * boot event log shows it served), then the real agent with the command line the real UKI would
     * have been given in this boot, also bind-mounted over {@code /proc/cmdline} (which the agent's
     * OS evidence reads).
     */
    static String init(String server) {
        String base = "http://" + server;
        String uki = IpxeTemplate.UKI;
        return String.join("\n",
                "#!/bin/sh",
                "# rogue /init (MeasuredBootIT): the HPC's owner boots this instead of the image",
                "/bin/busybox --install -s /bin",
                "export PATH=/bin",
                "mount -t proc proc /proc",
                "mount -t sysfs sysfs /sys",
                "mount -t securityfs securityfs /sys/kernel/security",
                "mount -t devtmpfs devtmpfs /dev 2>/dev/null",
                "mount -t tmpfs -o mode=1777 tmpfs /tmp",
                "mount -t tmpfs tmpfs /run",
                "pcr() { cat /sys/class/tpm/tpm0/pcr-sha256/$1 2>/dev/null || echo none; }",
                "echo \"ROGUE-INIT cmdline=[$(cat /proc/cmdline)] pcr4=$(pcr 4) pcr9=$(pcr 9) pcr11=$(pcr 11) pcr12=$(pcr 12)\"",
                "while read -r m; do insmod \"/lib/modules/$m.ko\" 2>/dev/null; done < /lib/modules/load-order",
                "ip link set lo up",
                "IF=",
                "for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do",
                "  IF=$(ls /sys/class/net | grep -v '^lo$' | head -n1)",
                "  [ -n \"$IF\" ] && break",
                "  sleep 0.2",
                "done",
                "ip link set \"$IF\" up",
                "udhcpc -i \"$IF\" -n -q -t 10 -T 2 -V LeoHpcImage -s /bin/udhcpc-hook >/tmp/udhcpc.log 2>&1 || cat /tmp/udhcpc.log",
                "echo \"ROGUE-DHCP ip=$(ip -4 -o addr show dev \"$IF\" | awk '{print $4}')\"",
                "wget -q -O /tmp/boot.ipxe " + base + "/boot.ipxe || echo ROGUE-FETCH-FAILED boot.ipxe",
                "echo \"ROGUE-SCRIPT $(grep '^chain ' /tmp/boot.ipxe)\"",
                "wget -q -O /tmp/" + uki + " " + base + "/" + uki + " || echo ROGUE-FETCH-FAILED " + uki,
                "echo \"ROGUE-FETCHED " + uki + " $(wc -c < /tmp/" + uki + ") bytes\"",
                "CMD=\"" + uki + " $(sed -n 's/^chain [^ ]* //p' /tmp/boot.ipxe)\"",
                "echo \"ROGUE-AGENT cmdline=[$CMD]\"",
                "echo \"$CMD\" > /run/cmdline && mount --bind /run/cmdline /proc/cmdline && echo \"ROGUE-PROC-CMDLINE $(cut -c1-60 /proc/cmdline)\"",
                "MALLOC_ARENA_MAX=2 HOME=/root /opt/leo/jre/bin/java @/opt/leo/agent.args --cmdline \"$CMD\"",
                "echo \"LEO-AGENT-EXIT rc=$?\"",
                "sleep 3600",
                "");
    }
}
