package org.leo.pxe.vm;

/** How iPXE fetches the boot script, kernel and initrd from the server under test. */
public enum BootMode {
    /** DHCP filename {@code boot-tftp.ipxe}; the script loads {@code tftp://${next-server}/vmlinuz}. */
    TFTP,
    /** DHCP filename {@code http://SERVER:PORT/boot-http.ipxe}; the script loads over HTTP. */
    HTTP
}
