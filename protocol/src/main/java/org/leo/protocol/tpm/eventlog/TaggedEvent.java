package org.leo.protocol.tpm.eventlog;

/**
 * The data of an EV_EVENT_TAG event: a TCG_PCClientTaggedEvent (PFP v1.05, chapter 10):
 * UINT32 taggedEventID, UINT32 taggedEventDataSize, then that many bytes, little-endian, filling
 * the event data exactly.
 *
 * <p>The Linux EFI stub logs two (drivers/firmware/efi/libstub/efi-stub-helper.c,
 * {@code efi_measure_tagged_event}, both into PCR 9, data = the ASCII string with its NUL):
 * <ul>
 *   <li>{@link #LINUX_INITRD} 0x8F3B22EC "Linux initrd" (Linux 5.17+), digest = the initrd
 *       loaded through the LINUX_EFI_INITRD_MEDIA_GUID LoadFile2 device path; an initrd loaded
 *       with the {@code initrd=} command-line option is not measured by the stub;</li>
 *   <li>{@link #LINUX_LOAD_OPTIONS} 0x8F3B22ED "LOADED_IMAGE::LoadOptions" (Linux 6.1+),
 *       digest = the raw UTF-16 LoadOptions (the command line) as the firmware passed them.</li>
 * </ul>
 * Newer systemd-stub releases log their own tags with a UTF-16 description as tagged data.
 *
 * @param tagId the taggedEventID (a UINT32, as a non-negative long)
 * @param data  the taggedEventData
 */
public record TaggedEvent(long tagId, byte[] data) {
    /** INITRD_EVENT_TAG_ID of the Linux EFI stub: "Linux initrd". */
    public static final long LINUX_INITRD = 0x8F3B22ECL;
    /** LOAD_OPTIONS_EVENT_TAG_ID of the Linux EFI stub: "LOADED_IMAGE::LoadOptions". */
    public static final long LINUX_LOAD_OPTIONS = 0x8F3B22EDL;

    private static final int HEADER_BYTES = 8;

    public TaggedEvent {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Decodes the data of an EV_EVENT_TAG event; other types are refused. */
    public static TaggedEvent decode(LogEvent event) throws EventLogFormatException {
        if (!event.type().equals(EventType.EV_EVENT_TAG)) {
            throw new EventLogFormatException(event.where() + event.type() + " does not carry a TCG_PCClientTaggedEvent");
        }
        return decode(event.where() + "TCG_PCClientTaggedEvent ", event.dataUnsafe());
    }

    static TaggedEvent decode(String where, byte[] bytes) throws EventLogFormatException {
        EventLogReader r = new EventLogReader(bytes, where);
        long id = r.u32("taggedEventID");
        long size = r.u32("taggedEventDataSize");
        if (size != r.remaining()) {
            throw r.error("taggedEventDataSize is " + size + ", but " + r.remaining() + " bytes follow");
        }
        return new TaggedEvent(id, r.bytes("taggedEventData", (int) size));
    }

    /** The tagged data as a description string ("Linux initrd"); see {@link EventText}. */
    public EventText text() throws EventLogFormatException {
        return EventText.decode(String.format("tagged event 0x%08x data", tagId), data);
    }

    @Override
    public String toString() {
        return String.format("TaggedEvent[0x%08x, %d bytes]", tagId, data.length);
    }
}
