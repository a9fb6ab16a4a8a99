package org.leo.protocol.tpm.eventlog;

import java.util.Set;

/**
 * The data of EV_EFI_BOOT_SERVICES_APPLICATION, EV_EFI_BOOT_SERVICES_DRIVER and
 * EV_EFI_RUNTIME_SERVICES_DRIVER events: UEFI_IMAGE_LOAD_EVENT (PFP v1.05 section 10.2.3),
 * little-endian and filling the event data exactly (edk2's DxeTpm2MeasureBootLib sizes the event
 * as the fixed part plus LengthOfDevicePath):
 * <pre>
 *   UEFI_PHYSICAL_ADDRESS ImageLocationInMemory   8 bytes
 *   UINT64                ImageLengthInMemory     8 bytes
 *   UINT64                ImageLinkTimeAddress    8 bytes
 *   UINT64                LengthOfDevicePath      8 bytes
 *   UEFI_DEVICE_PATH      DevicePath[LengthOfDevicePath]
 * </pre>
 * edk2 declares the three middle fields as UINTN, which is why the Spec ID event has uintnSize:
 * only 64-bit UEFI (uintnSize 2: x86_64, aarch64) is decoded; a 32-bit UEFI log is refused
 * rather than misread. The digest of such an event is the Authenticode hash of the PE image; the
 * addresses and the device path are the firmware's unverified account of where it came from.
 *
 * @param imageLocationInMemory where the image was loaded
 * @param imageLengthInMemory   its size in memory
 * @param imageLinkTimeAddress  its preferred base
 * @param devicePath            the raw EFI_DEVICE_PATH_PROTOCOL nodes (UEFI spec chapter 10), not interpreted
 */
public record UefiImageLoadEvent(long imageLocationInMemory, long imageLengthInMemory, long imageLinkTimeAddress,
        byte[] devicePath) {
    private static final Set<EventType> TYPES = Set.of(EventType.EV_EFI_BOOT_SERVICES_APPLICATION,
            EventType.EV_EFI_BOOT_SERVICES_DRIVER, EventType.EV_EFI_RUNTIME_SERVICES_DRIVER);

    public UefiImageLoadEvent {
        devicePath = devicePath.clone();
    }

    @Override
    public byte[] devicePath() {
        return devicePath.clone();
    }

    /** Decodes {@code event}'s data; other event types and logs of 32-bit UEFI are refused. */
    public static UefiImageLoadEvent decode(EventLog log, LogEvent event) throws EventLogFormatException {
        if (!TYPES.contains(event.type())) {
            throw new EventLogFormatException(event.where() + event.type() + " does not carry a UEFI_IMAGE_LOAD_EVENT");
        }
        if (log.specId().uintnSize() != SpecIdEvent.UINTN_UINT64) {
            throw new EventLogFormatException(event.where() + "UEFI_IMAGE_LOAD_EVENT of a 32-bit UEFI (uintnSize "
                    + log.specId().uintnSize() + ") is not supported");
        }
        return decode(event.where() + "UEFI_IMAGE_LOAD_EVENT ", event.dataUnsafe());
    }

    static UefiImageLoadEvent decode(String where, byte[] data) throws EventLogFormatException {
        EventLogReader r = new EventLogReader(data, where);
        long location = r.u64("ImageLocationInMemory");
        long length = r.u64("ImageLengthInMemory");
        long linkTime = r.u64("ImageLinkTimeAddress");
        long pathLength = r.u64("LengthOfDevicePath");
        if (pathLength < 0 || pathLength != r.remaining()) {
            throw r.error("LengthOfDevicePath is " + Long.toUnsignedString(pathLength) + ", but " + r.remaining()
                    + " bytes follow");
        }
        return new UefiImageLoadEvent(location, length, linkTime, r.bytes("DevicePath", (int) pathLength));
    }
}
