package org.leo.boot.events;

/**
 * What happened in a client's boot, in the order a normal boot passes through it. Stages
 * after {@link #FILE_SERVED} are outcomes that stop or do not advance a boot.
 */
public enum BootStage {
    DHCP_DISCOVER,
    DHCP_OFFER,
    DHCP_REQUEST,
    DHCP_ACK,
    /** A per-client iPXE script was generated and served; carries the boot nonce. */
    SCRIPT_SERVED,
    FILE_SERVED,
    DHCP_INFORM,
    DHCP_RELEASE,
    DHCP_DECLINE,
    DHCP_NAK,
    /** A DHCP packet that got no answer (unknown MAC, not a PXE client in proxy mode, ...). */
    DHCP_IGNORED,
    /** A transfer that ended before the client had every byte (size probe, timeout, abort). */
    FILE_INCOMPLETE,
    FILE_REFUSED;

    /** True for the stages that move a boot forward (used for progress displays). */
    public boolean isProgress() {
        return ordinal() <= FILE_SERVED.ordinal();
    }
}
