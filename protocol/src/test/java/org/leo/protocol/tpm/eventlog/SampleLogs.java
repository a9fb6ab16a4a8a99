package org.leo.protocol.tpm.eventlog;

import static org.leo.protocol.tpm.eventlog.EventLogWriter.ascii;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.utf16;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Bank;

/**
 * Crafted logs shaped like what OVMF, systemd-stub v252 and the Linux EFI stub write for a UKI
 * boot (the event sequence, types and data shapes; the digests are of stand-in bytes).
 */
final class SampleLogs {
    private static final byte[] SEPARATOR = new byte[4];
    private static final byte[] EFI_GLOBAL_VARIABLE = {
        0x61, (byte) 0xDF, (byte) 0xE4, (byte) 0x8B, (byte) 0xCA, (byte) 0x93, (byte) 0xD2, 0x11,
        (byte) 0xAA, 0x0D, 0x00, (byte) 0xE0, (byte) 0x98, 0x03, 0x2B, (byte) 0x8C};

    private SampleLogs() {
    }

    /** name -> log bytes: every sample, for the cross-checks and as fuzz seeds. */
    static Map<String, byte[]> all() {
        Map<String, byte[]> logs = new LinkedHashMap<>();
        logs.put("uki-sha1-sha256", ukiBoot(EventLogWriter.sha1AndSha256(), -1));
        logs.put("uki-sha256-locality3", ukiBoot(EventLogWriter.sha256Only(), 3));
        logs.put("uki-sha256-sha384", ukiBoot(new EventLogWriter(new Bank(EventLogWriter.SHA256, 32), new Bank(EventLogWriter.SHA384, 48)), -1));
        logs.put("uki-sha1-sha256-sha384-sha512", ukiBoot(new EventLogWriter(new Bank(EventLogWriter.SHA1, 20),
                new Bank(EventLogWriter.SHA256, 32), new Bank(EventLogWriter.SHA384, 48), new Bank(0x000D, 64)), -1));
        return logs;
    }

    /** A UKI boot; {@code locality} >= 0 adds a StartupLocality event. */
    static byte[] ukiBoot(EventLogWriter w, int locality) {
        if (locality >= 0) {
            w.startupLocality(locality);
        }
        w.event(0, EventType.EV_S_CRTM_VERSION, utf16("edk2-stable202302"));
        w.event(0, EventType.EV_EFI_PLATFORM_FIRMWARE_BLOB, "PEIFV".getBytes(StandardCharsets.US_ASCII), blob(0x820000, 0xE0000));
        w.event(0, EventType.EV_EFI_PLATFORM_FIRMWARE_BLOB, "DXEFV".getBytes(StandardCharsets.US_ASCII), blob(0x900000, 0xD00000));
        w.event(7, EventType.EV_EFI_VARIABLE_DRIVER_CONFIG, variable("SecureBoot", new byte[] {0}));
        w.event(7, EventType.EV_EFI_VARIABLE_DRIVER_CONFIG, variable("PK", new byte[0]));
        w.event(1, EventType.EV_EFI_VARIABLE_BOOT, new byte[] {1, 0}, variable("BootOrder", new byte[] {1, 0}));
        w.event(4, EventType.EV_EFI_ACTION, "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII));
        for (int pcr = 0; pcr <= 7; pcr++) {
            w.event(pcr, EventType.EV_SEPARATOR, SEPARATOR);
        }
        w.event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, "the UKI's Authenticode".getBytes(StandardCharsets.US_ASCII),
                EventLogWriter.imageLoadEvent(0x7E1A6000L, 0x1C3E000L, 0, EventDataDecodersTest.devicePath("\\EFI\\BOOT\\BOOTX64.EFI")));
        for (String section : new String[] {".linux", ".osrel", ".cmdline", ".initrd"}) {
            w.event(11, EventType.EV_IPL, ascii(section), utf16(section));
            w.event(11, EventType.EV_IPL, ("contents of " + section).getBytes(StandardCharsets.US_ASCII), utf16(section));
        }
        w.event(9, EventType.EV_EVENT_TAG, "the initrd".getBytes(StandardCharsets.US_ASCII),
                EventLogWriter.taggedEvent(TaggedEvent.LINUX_INITRD, ascii("Linux initrd")));
        w.event(5, EventType.EV_EFI_ACTION, "Exit Boot Services Invocation".getBytes(StandardCharsets.US_ASCII));
        w.event(5, EventType.EV_EFI_ACTION, "Exit Boot Services Returned with Success".getBytes(StandardCharsets.US_ASCII));
        return w.build();
    }

    /** UEFI_PLATFORM_FIRMWARE_BLOB: base and length. */
    static byte[] blob(long base, long length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventLogWriter.le64(out, base);
        EventLogWriter.le64(out, length);
        return out.toByteArray();
    }

    /** UEFI_VARIABLE_DATA of an EFI global variable: GUID, name length (chars), data length, name, data. */
    static byte[] variable(String name, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(EFI_GLOBAL_VARIABLE);
        EventLogWriter.le64(out, name.length());
        EventLogWriter.le64(out, data.length);
        out.writeBytes(name.getBytes(StandardCharsets.UTF_16LE));
        out.writeBytes(data);
        return out.toByteArray();
    }
}
