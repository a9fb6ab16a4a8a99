package org.leo.protocol.tpm.eventlog;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The eventType of a TCG event log record (a UINT32), as an open value class: firmware and
 * boot loaders log types this class does not know, and that is legal, so {@link #valueOf(int)}
 * returns an {@code UNKNOWN} instance rather than failing. Equality is by code;
 * {@code toString()} is {@code NAME(0xcode)}. Codes from the TCG PC Client Platform Firmware
 * Profile Specification (PFP) v1.05 section 10.4.1 "Event Types" (Table 9).
 *
 * <p>The type is an untrusted claim of the log's writer: it is not covered by the PCR digest
 * (see {@link LogEvent}).
 */
public final class EventType {
    public static final EventType EV_PREBOOT_CERT = new EventType(0x00000000, "EV_PREBOOT_CERT");
    public static final EventType EV_POST_CODE = new EventType(0x00000001, "EV_POST_CODE");
    /** Reserved by the spec ("EV_UNUSED"); named so that logs show the spec's name. */
    public static final EventType EV_UNUSED = new EventType(0x00000002, "EV_UNUSED");
    /** Not extended into any PCR (PFP 10.4.1); carries the Spec ID and StartupLocality events. */
    public static final EventType EV_NO_ACTION = new EventType(0x00000003, "EV_NO_ACTION");
    public static final EventType EV_SEPARATOR = new EventType(0x00000004, "EV_SEPARATOR");
    public static final EventType EV_ACTION = new EventType(0x00000005, "EV_ACTION");
    /** Data is a TCG_PCClientTaggedEvent (PFP chapter 10); see {@link TaggedEvent}. */
    public static final EventType EV_EVENT_TAG = new EventType(0x00000006, "EV_EVENT_TAG");
    public static final EventType EV_S_CRTM_CONTENTS = new EventType(0x00000007, "EV_S_CRTM_CONTENTS");
    public static final EventType EV_S_CRTM_VERSION = new EventType(0x00000008, "EV_S_CRTM_VERSION");
    public static final EventType EV_CPU_MICROCODE = new EventType(0x00000009, "EV_CPU_MICROCODE");
    public static final EventType EV_PLATFORM_CONFIG_FLAGS = new EventType(0x0000000A, "EV_PLATFORM_CONFIG_FLAGS");
    public static final EventType EV_TABLE_OF_DEVICES = new EventType(0x0000000B, "EV_TABLE_OF_DEVICES");
    public static final EventType EV_COMPACT_HASH = new EventType(0x0000000C, "EV_COMPACT_HASH");
    /** Boot loader events; systemd-stub and GRUB describe what they measured in the data ({@link EventText}). */
    public static final EventType EV_IPL = new EventType(0x0000000D, "EV_IPL");
    public static final EventType EV_IPL_PARTITION_DATA = new EventType(0x0000000E, "EV_IPL_PARTITION_DATA");
    public static final EventType EV_NONHOST_CODE = new EventType(0x0000000F, "EV_NONHOST_CODE");
    public static final EventType EV_NONHOST_CONFIG = new EventType(0x00000010, "EV_NONHOST_CONFIG");
    public static final EventType EV_NONHOST_INFO = new EventType(0x00000011, "EV_NONHOST_INFO");
    public static final EventType EV_OMIT_BOOT_DEVICE_EVENTS = new EventType(0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS");
    public static final EventType EV_EFI_VARIABLE_DRIVER_CONFIG = new EventType(0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG");
    public static final EventType EV_EFI_VARIABLE_BOOT = new EventType(0x80000002, "EV_EFI_VARIABLE_BOOT");
    /** A UEFI application (boot loader, UKI) loaded from a boot option; data is {@link UefiImageLoadEvent}. */
    public static final EventType EV_EFI_BOOT_SERVICES_APPLICATION = new EventType(0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION");
    public static final EventType EV_EFI_BOOT_SERVICES_DRIVER = new EventType(0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER");
    public static final EventType EV_EFI_RUNTIME_SERVICES_DRIVER = new EventType(0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER");
    public static final EventType EV_EFI_GPT_EVENT = new EventType(0x80000006, "EV_EFI_GPT_EVENT");
    public static final EventType EV_EFI_ACTION = new EventType(0x80000007, "EV_EFI_ACTION");
    public static final EventType EV_EFI_PLATFORM_FIRMWARE_BLOB = new EventType(0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB");
    public static final EventType EV_EFI_HANDOFF_TABLES = new EventType(0x80000009, "EV_EFI_HANDOFF_TABLES");
    public static final EventType EV_EFI_PLATFORM_FIRMWARE_BLOB2 = new EventType(0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2");
    public static final EventType EV_EFI_HANDOFF_TABLES2 = new EventType(0x8000000B, "EV_EFI_HANDOFF_TABLES2");
    public static final EventType EV_EFI_VARIABLE_BOOT2 = new EventType(0x8000000C, "EV_EFI_VARIABLE_BOOT2");
    /** The H-CRTM measured before TPM2_Startup; PCR 0 then starts at locality 4 (TPM 2.0 Part 1 section 34.3). */
    public static final EventType EV_EFI_HCRTM_EVENT = new EventType(0x80000010, "EV_EFI_HCRTM_EVENT");
    public static final EventType EV_EFI_VARIABLE_AUTHORITY = new EventType(0x800000E0, "EV_EFI_VARIABLE_AUTHORITY");
    public static final EventType EV_EFI_SPDM_FIRMWARE_BLOB = new EventType(0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB");
    public static final EventType EV_EFI_SPDM_FIRMWARE_CONFIG = new EventType(0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG");

    private static final Map<Integer, EventType> KNOWN = List.of(
            EV_PREBOOT_CERT, EV_POST_CODE, EV_UNUSED, EV_NO_ACTION, EV_SEPARATOR, EV_ACTION, EV_EVENT_TAG,
            EV_S_CRTM_CONTENTS, EV_S_CRTM_VERSION, EV_CPU_MICROCODE, EV_PLATFORM_CONFIG_FLAGS, EV_TABLE_OF_DEVICES,
            EV_COMPACT_HASH, EV_IPL, EV_IPL_PARTITION_DATA, EV_NONHOST_CODE, EV_NONHOST_CONFIG, EV_NONHOST_INFO,
            EV_OMIT_BOOT_DEVICE_EVENTS, EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_BOOT,
            EV_EFI_BOOT_SERVICES_APPLICATION, EV_EFI_BOOT_SERVICES_DRIVER, EV_EFI_RUNTIME_SERVICES_DRIVER,
            EV_EFI_GPT_EVENT, EV_EFI_ACTION, EV_EFI_PLATFORM_FIRMWARE_BLOB, EV_EFI_HANDOFF_TABLES,
            EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV_EFI_HANDOFF_TABLES2, EV_EFI_VARIABLE_BOOT2, EV_EFI_HCRTM_EVENT,
            EV_EFI_VARIABLE_AUTHORITY, EV_EFI_SPDM_FIRMWARE_BLOB, EV_EFI_SPDM_FIRMWARE_CONFIG)
            .stream().collect(Collectors.toUnmodifiableMap(t -> t.code, Function.identity()));

    private static final String UNKNOWN = "UNKNOWN";

    private final int code;
    private final String name;

    private EventType(int code, String name) {
        this.code = code;
        this.name = name;
    }

    /** The known type with this code, or an {@code UNKNOWN(code)} instance. {@code code} is a UINT32 bit pattern. */
    public static EventType valueOf(int code) {
        EventType known = KNOWN.get(code);
        return known != null ? known : new EventType(code, UNKNOWN);
    }

    /** The UINT32 code as its bit pattern (EFI types read negative; use {@link Integer#toUnsignedLong}). */
    public int code() {
        return code;
    }

    /** The spec's name ("EV_IPL"), or "UNKNOWN". */
    public String name() {
        return name;
    }

    public boolean isKnown() {
        return KNOWN.containsKey(code);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventType t && t.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public String toString() {
        return name + "(0x" + Integer.toHexString(code) + ")";
    }
}
