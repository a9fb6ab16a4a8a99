package org.leo.pxe.dhcp;

import java.util.Objects;

/**
 * The boot file names the server hands out.
 *
 * @param ipxeScript script for clients that already run iPXE (user class {@code iPXE})
 * @param bios       iPXE for legacy BIOS PXE (arch 0)
 * @param efiX86_64  iPXE for x86-64 UEFI (arch 7, 9) and x86-64 UEFI HTTP boot
 * @param efiArm64   iPXE for ARM64 UEFI (arch 11) and ARM64 UEFI HTTP boot
 */
public record BootFileNames(String ipxeScript, String bios, String efiX86_64, String efiArm64) {
    public static final BootFileNames DEFAULT = new BootFileNames("boot.ipxe", "undionly.kpxe", "ipxe.efi", "ipxe-arm64.efi");

    public BootFileNames {
        Objects.requireNonNull(ipxeScript, "ipxeScript");
        Objects.requireNonNull(bios, "bios");
        Objects.requireNonNull(efiX86_64, "efiX86_64");
        Objects.requireNonNull(efiArm64, "efiArm64");
    }
}
