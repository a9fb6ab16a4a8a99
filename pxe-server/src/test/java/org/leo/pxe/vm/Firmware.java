package org.leo.pxe.vm;

import java.nio.file.Path;

/** The VM's firmware; both network-boot through the iPXE option ROM of the NIC (efi-virtio.rom holds both). */
public enum Firmware {
    /** QEMU's default SeaBIOS; iPXE runs as a PXE option ROM (vendor class {@code PXEClient:Arch:00000}). */
    BIOS,
    /** OVMF (4 MiB flash: code read-only, a writable copy of the vars); iPXE runs as a UEFI driver (Arch:00007). */
    UEFI;

    public static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    public static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
}
