package org.leo.protocol.tpm.eventlog;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A NUL-terminated description string as boot software writes it into event data, in one of the
 * two encodings seen in real logs:
 * <ul>
 *   <li>UTF-16LE: systemd-stub and systemd-boot (v252 {@code src/boot/efi/measure.c}:
 *       {@code tpm_log_event} logs EV_IPL with the description as event data, a {@code char16_t}
 *       string including its NUL ({@code strsize16}). The stub measures each UKI section twice
 *       into PCR 11 (its name, then its contents) with the section name (".linux", ".osrel",
 *       ".cmdline", ".initrd", ...) as description, converted from ASCII to UTF-16;
 *       {@code tpm_log_load_options} measures the kernel command line into PCR 12 with the
 *       command line itself as description, so there the data equals what was hashed.
 *       Firmware's EV_S_CRTM_VERSION is UTF-16 too.</li>
 *   <li>ASCII: GRUB's EV_IPL strings, and the data of the Linux EFI stub's tagged events
 *       ("Linux initrd", {@link TaggedEvent}).</li>
 * </ul>
 * Detection: an even number of bytes ending in two zero bytes is UTF-16LE (an ASCII string
 * would need an embedded NUL to end that way); anything else is ASCII with exactly one NUL, at
 * the end. Embedded NULs, unpaired surrogates and bytes above 0x7F in ASCII are refused. The text
 * is the writer's claim (see {@link LogEvent}) and may hold control characters: escape it
 * before logging it.
 *
 * @param text     the string without its NUL
 * @param encoding how it was stored
 */
public record EventText(String text, Encoding encoding) {
    public enum Encoding { UTF16LE, ASCII }

    public EventText {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(encoding, "encoding");
    }

    /** Decodes the data of an EV_IPL (or any event whose data is a description string). */
    public static EventText decode(LogEvent event) throws EventLogFormatException {
        return decode(event.where() + event.type().name() + " data", event.dataUnsafe());
    }

    /** Decodes {@code data}; {@code where} prefixes messages ("event 3 (offset 120): EV_IPL data"). */
    static EventText decode(String where, byte[] data) throws EventLogFormatException {
        int n = data.length;
        if (n == 0) {
            throw new EventLogFormatException(where + " is empty, not a NUL-terminated string");
        }
        if (n % 2 == 0 && data[n - 1] == 0 && data[n - 2] == 0) {
            return new EventText(utf16(where, data), Encoding.UTF16LE);
        }
        for (int i = 0; i < n - 1; i++) {
            int b = data[i] & 0xFF;
            if (b == 0) {
                throw new EventLogFormatException(where + " has a NUL at byte " + i + " of " + n + ", before its end");
            }
            if (b > 0x7F) {
                throw new EventLogFormatException(where + " has byte 0x" + Integer.toHexString(b) + " at " + i
                        + ": neither ASCII nor UTF-16LE");
            }
        }
        if (data[n - 1] != 0) {
            throw new EventLogFormatException(where + " is not NUL-terminated");
        }
        return new EventText(new String(data, 0, n - 1, StandardCharsets.US_ASCII), Encoding.ASCII);
    }

    private static String utf16(String where, byte[] data) throws EventLogFormatException {
        int units = data.length / 2 - 1;
        for (int i = 0; i < units; i++) {
            if (data[2 * i] == 0 && data[2 * i + 1] == 0) {
                throw new EventLogFormatException(where + " has a UTF-16 NUL at character " + i + " of " + units
                        + ", before its end");
            }
        }
        try {
            return StandardCharsets.UTF_16LE.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, 0, data.length - 2))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new EventLogFormatException(where + " is not valid UTF-16LE (an unpaired surrogate)");
        }
    }
}
