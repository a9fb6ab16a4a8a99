package org.leo.pxe.dhcp;

import java.util.List;
import java.util.Optional;

/**
 * What {@link NetbootClassifier} found out about a client from its DHCP request.
 *
 * @param reasons     every reason the packet is not a netboot client; empty for a netboot client
 * @param vendorClass option 60 text, or empty
 * @param arch        option 93, else the {@code Arch:NNNNN} field of a {@code PXEClient} vendor class
 * @param pxeClient   option 60 starts with {@code PXEClient}
 * @param httpClient  option 60 starts with {@code HTTPClient} (UEFI HTTP boot)
 * @param ipxe        option 77 user class is {@code iPXE} (RFC 3004 framed or bare)
 * @param uuid        option 97 value (type byte + GUID), when well formed
 */
public record NetbootClass(List<String> reasons, String vendorClass, Optional<ClientArch> arch, boolean pxeClient,
                           boolean httpClient, boolean ipxe, Optional<byte[]> uuid) {
    public NetbootClass {
        reasons = List.copyOf(reasons);
    }

    /** True when no rule found a reason against it (smee's {@code IsNetbootClient}). */
    public boolean isNetbootClient() {
        return reasons.isEmpty();
    }
}
