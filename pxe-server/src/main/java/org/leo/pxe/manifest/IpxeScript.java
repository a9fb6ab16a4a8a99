package org.leo.pxe.manifest;

import org.leo.boot.manifest.IpxeTemplate;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.leo.boot.events.Protocol;
import org.leo.boot.net.MacAddress;

/**
 * Generates the per-boot iPXE script (see https://ipxe.org/scripting). The script fetches kernel
 * and initrd over the same protocol it was fetched with and hands the kernel the boot nonce
 * ({@code leo.nonce=}) that the attestation step later expects back. {@code initrd=<name>} is on
 * the command line because the EFI stub of Linux loads the initrd by that name from iPXE. An image
 * that brings its own {@link IpxeTemplate} gets that filled in instead.
 */
final class IpxeScript {
    /** Nonce length in bytes (256 bits, hex-encoded in the script). */
    static final int NONCE_BYTES = 32;

    private final SecureRandom random = new SecureRandom();

    String newNonce() {
        byte[] n = new byte[NONCE_BYTES];
        random.nextBytes(n);
        return HexFormat.of().formatHex(n);
    }

    /** With a {@code template} (the image's, {@link IpxeTemplate}), the script is that template filled in; null: the built-in one. */
    static String render(IpxeScriptConfig cfg, IpxeTemplate template, MacAddress mac, String nonce, Protocol protocol) {
        String base = protocol == Protocol.HTTP
                ? "http://" + cfg.serverHost() + ":" + (cfg.httpPort() == 0 ? 80 : cfg.httpPort())
                : "tftp://" + cfg.serverHost();
        if (template != null) {
            return template.render(base, nonce, cfg.serverHost(), cfg.extraArgs());
        }
        String initrdName = cfg.initrd().substring(cfg.initrd().lastIndexOf('/') + 1);
        String extra = cfg.extraArgs().isEmpty() ? "" : " " + cfg.extraArgs();
        return "#!ipxe\n"
                + "# Leo boot script for " + mac + ", generated per boot; do not cache\n"
                + "echo Leo: booting ${mac} nonce " + nonce + "\n"
                + "kernel " + base + "/" + cfg.kernel() + " initrd=" + initrdName
                + " leo.nonce=" + nonce + " leo.server=" + cfg.serverHost() + extra + "\n"
                + "initrd " + base + "/" + cfg.initrd() + "\n"
                + "boot\n";
    }
}
