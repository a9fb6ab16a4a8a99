package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.ascii;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.utf16;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.eventlog.EventText.Encoding;

/** {@link UefiImageLoadEvent}, {@link EventText} and {@link TaggedEvent} on the shapes real boot software writes. */
class EventDataDecodersTest {
    /** A device path: HD(...)-less file path node \EFI\BOOT\BOOTX64.EFI then the end node. */
    private static final byte[] DEVICE_PATH = devicePath("\\EFI\\BOOT\\BOOTX64.EFI");

    @Test
    void uefiImageLoadEvent() throws Exception {
        byte[] data = EventLogWriter.imageLoadEvent(0x7E5A1000L, 0x2B000L, 0, DEVICE_PATH);
        EventLog log = log(EventLogWriter.sha256Only().event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, new byte[] {1}, data));
        UefiImageLoadEvent image = UefiImageLoadEvent.decode(log, log.events().get(0));
        assertThat(image.imageLocationInMemory()).isEqualTo(0x7E5A1000L);
        assertThat(image.imageLengthInMemory()).isEqualTo(0x2B000L);
        assertThat(image.imageLinkTimeAddress()).isZero();
        assertThat(image.devicePath()).isEqualTo(DEVICE_PATH);
    }

    @Test
    void uefiImageLoadEventWithAnEmptyDevicePath() throws Exception {
        EventLog log = log(EventLogWriter.sha256Only().event(2, EventType.EV_EFI_BOOT_SERVICES_DRIVER, new byte[] {1},
                EventLogWriter.imageLoadEvent(1, 2, 3, new byte[0])));
        assertThat(UefiImageLoadEvent.decode(log, log.events().get(0)).devicePath()).isEmpty();
    }

    @Test
    void uefiImageLoadEventOfAnotherEventType() throws Exception {
        EventLog log = log(EventLogWriter.sha256Only().event(4, EventType.EV_IPL, EventLogWriter.imageLoadEvent(1, 2, 3, DEVICE_PATH)));
        assertThatThrownBy(() -> UefiImageLoadEvent.decode(log, log.events().get(0))).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): EV_IPL(0xd) does not carry a UEFI_IMAGE_LOAD_EVENT");
    }

    @Test
    void uefiImageLoadEventOfA32BitUefi() throws Exception {
        EventLog log = log(EventLogWriter.sha256Only().uintnSize(1).event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION,
                EventLogWriter.imageLoadEvent(1, 2, 3, DEVICE_PATH)));
        assertThatThrownBy(() -> UefiImageLoadEvent.decode(log, log.events().get(0))).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): UEFI_IMAGE_LOAD_EVENT of a 32-bit UEFI (uintnSize 1) is not supported");
    }

    @Test
    void uefiImageLoadEventTruncated() throws Exception {
        byte[] data = Arrays.copyOf(EventLogWriter.imageLoadEvent(1, 2, 3, DEVICE_PATH), 27);
        EventLog log = log(EventLogWriter.sha256Only().event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, data));
        assertThatThrownBy(() -> UefiImageLoadEvent.decode(log, log.events().get(0))).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): UEFI_IMAGE_LOAD_EVENT truncated in LengthOfDevicePath: expected 8 bytes, got 3");
    }

    @Test
    void uefiImageLoadEventDevicePathLengthOtherThanWhatFollows() {
        byte[] data = EventLogWriter.imageLoadEvent(1, 2, 3, DEVICE_PATH);
        byte[] shorter = Arrays.copyOf(data, data.length - 1);
        assertThatThrownBy(() -> UefiImageLoadEvent.decode("x: ", shorter)).isInstanceOf(EventLogFormatException.class)
                .hasMessage("x: LengthOfDevicePath is " + DEVICE_PATH.length + ", but " + (DEVICE_PATH.length - 1) + " bytes follow");
        data[24 + 7] = (byte) 0x80;
        assertThatThrownBy(() -> UefiImageLoadEvent.decode("x: ", data)).isInstanceOf(EventLogFormatException.class)
                .hasMessage("x: LengthOfDevicePath is " + Long.toUnsignedString(0x8000000000000000L + DEVICE_PATH.length) + ", but "
                        + DEVICE_PATH.length + " bytes follow");
    }

    @Test
    void systemdStubSectionNamesAreUtf16() throws Exception {
        byte[] linux = "the kernel".getBytes(StandardCharsets.US_ASCII);
        // systemd v252 stub: section name (ASCII with NUL) then the section, both described as ".linux" in UTF-16
        EventLog log = log(EventLogWriter.sha256Only()
                .event(11, EventType.EV_IPL, ascii(".linux"), utf16(".linux"))
                .event(11, EventType.EV_IPL, linux, utf16(".linux")));
        for (LogEvent e : log.events()) {
            assertThat(EventText.decode(e)).isEqualTo(new EventText(".linux", Encoding.UTF16LE));
        }
        assertThat(log.events().get(0).sha256().orElseThrow()).isEqualTo(EventLogWriter.sha256(ascii(".linux")));
    }

    @Test
    void systemdStubCommandLineIsItsOwnDescriptionSoItsDigestCanBeChecked() throws Exception {
        String cmdline = "console=ttyS0 leo.image=hpc-1 ünïcode";
        byte[] measured = utf16(cmdline); // tpm_log_load_options: strsize16(), the NUL included
        LogEvent e = log(EventLogWriter.sha256Only().event(12, EventType.EV_IPL, measured, measured)).events().get(0);
        EventText text = EventText.decode(e);
        assertThat(text).isEqualTo(new EventText(cmdline, Encoding.UTF16LE));
        assertThat(EventLogWriter.sha256(utf16(text.text()))).isEqualTo(e.sha256().orElseThrow());
    }

    @Test
    void grubStringsAreAscii() throws Exception {
        assertThat(EventText.decode("x", ascii("grub_cmd: linux /vmlinuz"))).isEqualTo(new EventText("grub_cmd: linux /vmlinuz", Encoding.ASCII));
        assertThat(EventText.decode("x", new byte[] {0})).isEqualTo(new EventText("", Encoding.ASCII));
        assertThat(EventText.decode("x", new byte[] {0, 0})).isEqualTo(new EventText("", Encoding.UTF16LE));
        assertThat(EventText.decode("x", ascii("ab"))).isEqualTo(new EventText("ab", Encoding.ASCII));
    }

    @Test
    void malformedDescriptions() {
        assertTextFails(new byte[0], "event 1 (offset 65): EV_IPL data is empty, not a NUL-terminated string");
        assertTextFails("abc".getBytes(StandardCharsets.US_ASCII), "event 1 (offset 65): EV_IPL data is not NUL-terminated");
        assertTextFails(new byte[] {'a', 0, 'b', 0, 0}, "event 1 (offset 65): EV_IPL data has a NUL at byte 1 of 5, before its end");
        assertTextFails(new byte[] {'a', (byte) 0xC3, (byte) 0xA9, 0}, "event 1 (offset 65): EV_IPL data has byte 0xc3 at 1: neither ASCII nor UTF-16LE");
        assertTextFails(new byte[] {'a', 0, 0, 0, 'b', 0, 0, 0}, "event 1 (offset 65): EV_IPL data has a UTF-16 NUL at character 1 of 3, before its end");
        assertTextFails(new byte[] {0x00, (byte) 0xD8, 'a', 0, 0, 0}, "event 1 (offset 65): EV_IPL data is not valid UTF-16LE (an unpaired surrogate)");
    }

    @Test
    void linuxInitrdTaggedEvent() throws Exception {
        byte[] initrd = "the initrd".getBytes(StandardCharsets.US_ASCII);
        // drivers/firmware/efi/libstub: PCR 9, EV_EVENT_TAG, tag 0x8F3B22EC, data "Linux initrd" with its NUL
        LogEvent e = log(EventLogWriter.sha256Only().event(9, EventType.EV_EVENT_TAG, initrd,
                EventLogWriter.taggedEvent(TaggedEvent.LINUX_INITRD, ascii("Linux initrd")))).events().get(0);
        TaggedEvent tagged = TaggedEvent.decode(e);
        assertThat(tagged.tagId()).isEqualTo(0x8F3B22ECL);
        assertThat(tagged.data()).isEqualTo(ascii("Linux initrd"));
        assertThat(tagged.text()).isEqualTo(new EventText("Linux initrd", Encoding.ASCII));
        assertThat(tagged).hasToString("TaggedEvent[0x8f3b22ec, 13 bytes]");
        assertThat(e.sha256().orElseThrow()).isEqualTo(EventLogWriter.sha256(initrd));

        TaggedEvent options = TaggedEvent.decode("x", EventLogWriter.taggedEvent(TaggedEvent.LINUX_LOAD_OPTIONS, ascii("LOADED_IMAGE::LoadOptions")));
        assertThat(options.tagId()).isEqualTo(0x8F3B22EDL);
        assertThat(options.text().text()).isEqualTo("LOADED_IMAGE::LoadOptions");
    }

    @Test
    void taggedEventOfAnotherTypeOrMalformed() throws Exception {
        LogEvent ipl = log(EventLogWriter.sha256Only().event(9, EventType.EV_IPL, EventLogWriter.taggedEvent(1, new byte[1]))).events().get(0);
        assertThatThrownBy(() -> TaggedEvent.decode(ipl)).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): EV_IPL(0xd) does not carry a TCG_PCClientTaggedEvent");
        byte[] data = EventLogWriter.taggedEvent(TaggedEvent.LINUX_INITRD, ascii("Linux initrd"));
        LogEvent longer = log(EventLogWriter.sha256Only().event(9, EventType.EV_EVENT_TAG, Arrays.copyOf(data, data.length + 2))).events().get(0);
        assertThatThrownBy(() -> TaggedEvent.decode(longer)).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): TCG_PCClientTaggedEvent taggedEventDataSize is 13, but 15 bytes follow");
        LogEvent truncated = log(EventLogWriter.sha256Only().event(9, EventType.EV_EVENT_TAG, new byte[6])).events().get(0);
        assertThatThrownBy(() -> TaggedEvent.decode(truncated)).isInstanceOf(EventLogFormatException.class)
                .hasMessage("event 1 (offset 65): TCG_PCClientTaggedEvent truncated in taggedEventDataSize: expected 4 bytes, got 2");
        TaggedEvent notText = TaggedEvent.decode("x", EventLogWriter.taggedEvent(7, new byte[] {1, 2}));
        assertThatThrownBy(notText::text).isInstanceOf(EventLogFormatException.class)
                .hasMessage("tagged event 0x00000007 data is not NUL-terminated");
    }

    private static void assertTextFails(byte[] data, String message) {
        LogEvent e;
        try {
            e = log(EventLogWriter.sha256Only().event(11, EventType.EV_IPL, data)).events().get(0);
        } catch (EventLogFormatException x) {
            throw new AssertionError(x);
        }
        assertThatThrownBy(() -> EventText.decode(e)).isInstanceOf(EventLogFormatException.class).hasMessage(message);
    }

    private static EventLog log(EventLogWriter w) throws EventLogFormatException {
        return EventLogParser.parse(w.build());
    }

    /** A media file path node (type 4, subtype 4, UTF-16 path with NUL) and the end-of-path node. */
    static byte[] devicePath(String path) {
        byte[] name = utf16(path);
        byte[] out = new byte[4 + name.length + 4];
        out[0] = 4;
        out[1] = 4;
        out[2] = (byte) ((4 + name.length) & 0xFF);
        out[3] = (byte) ((4 + name.length) >>> 8);
        System.arraycopy(name, 0, out, 4, name.length);
        out[out.length - 4] = 0x7F;
        out[out.length - 3] = (byte) 0xFF;
        out[out.length - 2] = 4;
        return out;
    }
}
