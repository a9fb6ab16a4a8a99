package org.leo.pxe.dhcp;

/**
 * The boot file for one client and why.
 *
 * @param file            file name (TFTP) or URL (HTTP) for the file field / option 67
 * @param rule            the table row that chose it, for logs and events
 * @param echoHttpClient  send option 60 {@code HTTPClient} back (UEFI HTTP boot ignores offers without it)
 */
public record BootChoice(String file, String rule, boolean echoHttpClient) {
}
