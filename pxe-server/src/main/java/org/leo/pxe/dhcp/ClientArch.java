package org.leo.pxe.dhcp;

import java.util.HashMap;
import java.util.Map;

/**
 * The client system architecture from option 93 (RFC 4578 2.1, IANA "Processor Architecture
 * Types"). Open value class: new types are registered by IANA over time, so an unknown code is
 * legal and {@link #valueOf(int)} returns {@code UNKNOWN(n)}.
 */
public final class ClientArch {
    private static final Map<Integer, ClientArch> BY_CODE = new HashMap<>();

    public static final ClientArch BIOS = register(0, "BIOS");
    public static final ClientArch NEC_PC98 = register(1, "NEC_PC98");
    public static final ClientArch ITANIUM = register(2, "ITANIUM");
    public static final ClientArch EFI_IA32 = register(6, "EFI_IA32");
    public static final ClientArch EFI_X86_64 = register(7, "EFI_X86_64");
    public static final ClientArch EFI_XSCALE = register(8, "EFI_XSCALE");
    /** Type 9 is "EFI BC"; firmware in the field (and dnsmasq, iPXE) treat it as x86-64. */
    public static final ClientArch EFI_BC = register(9, "EFI_BC");
    public static final ClientArch EFI_ARM32 = register(10, "EFI_ARM32");
    public static final ClientArch EFI_ARM64 = register(11, "EFI_ARM64");
    public static final ClientArch EFI_IA32_HTTP = register(15, "EFI_IA32_HTTP");
    public static final ClientArch EFI_X86_64_HTTP = register(16, "EFI_X86_64_HTTP");
    public static final ClientArch EFI_ARM32_HTTP = register(18, "EFI_ARM32_HTTP");
    public static final ClientArch EFI_ARM64_HTTP = register(19, "EFI_ARM64_HTTP");

    private final int code;
    private final String name;

    private ClientArch(int code, String name) {
        this.code = code;
        this.name = name;
    }

    private static ClientArch register(int code, String name) {
        ClientArch a = new ClientArch(code, name);
        BY_CODE.put(code, a);
        return a;
    }

    /** The named constant for a 16-bit {@code code}, or {@code UNKNOWN(code)}. */
    public static ClientArch valueOf(int code) {
        if (code < 0 || code > 0xffff) {
            throw new IllegalArgumentException("client architecture out of range 0..65535: " + code);
        }
        ClientArch a = BY_CODE.get(code);
        return a != null ? a : new ClientArch(code, "UNKNOWN");
    }

    public int code() {
        return code;
    }

    public String name() {
        return name;
    }

    /** True for the x86-64 UEFI types (7, and 9 as used in practice). */
    public boolean isEfiX86_64() {
        return code == 7 || code == 9;
    }

    /** True for the UEFI HTTP boot types (RFC 4578 registry 15..19). */
    public boolean isHttp() {
        return code == 15 || code == 16 || code == 18 || code == 19;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientArch a && a.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public String toString() {
        return name + "(" + code + ")";
    }
}
