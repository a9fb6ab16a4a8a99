package org.leo.pxe.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The directory a server under test serves over TFTP and HTTP, by file name:
 * <ul>
 *   <li>{@value #KERNEL}, {@value #INITRD}: the {@link BootArtifacts};</li>
 *   <li>{@value #SCRIPT_TFTP}, {@value #SCRIPT_HTTP}: iPXE scripts loading them over TFTP / HTTP;</li>
 *   <li>{@value #PROBE}: random bytes the initramfs fetches over HTTP and TFTP to prove the network
 *       works ({@link #probeSha256()} is what it must report).</li>
 * </ul>
 * The kernel command line carries {@code leo.server=SERVER leo.http_port=PORT leo.probe=leo-probe.txt
 * leo.nonce=NONCE}; the initramfs prints it in its marker line.
 *
 * @param dir         the directory
 * @param serverIpv4  the server's address as baked into scripts and kernel command line
 * @param httpPort    the server's HTTP port
 * @param nonce       the {@code leo.nonce=} value on the kernel command line
 * @param probeSha256 hex SHA-256 of {@value #PROBE}
 */
public record BootRoot(Path dir, String serverIpv4, int httpPort, String nonce, String probeSha256) {
    public static final String KERNEL = "vmlinuz";
    public static final String INITRD = "initrd.img";
    public static final String SCRIPT_TFTP = "boot-tftp.ipxe";
    public static final String SCRIPT_HTTP = "boot-http.ipxe";
    public static final String PROBE = "leo-probe.txt";
    /** Bytes in the probe file: more than one TFTP block (512) so a multi-block transfer is exercised. */
    private static final int PROBE_BYTES = 3000;

    /** Fills {@code dir} (created if needed) for a server at {@code serverIpv4:httpPort}. */
    public static BootRoot prepare(Path dir, BootArtifacts artifacts, String serverIpv4, int httpPort, String nonce)
            throws IOException {
        if (!nonce.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("nonce must be a plain kernel command line token: " + nonce);
        }
        Files.createDirectories(dir);
        Files.copy(artifacts.vmlinuz(), dir.resolve(KERNEL), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(artifacts.initrd(), dir.resolve(INITRD), StandardCopyOption.REPLACE_EXISTING);
        byte[] probe = HexFormat.of().formatHex(randomBytes(PROBE_BYTES / 2))
                .getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve(PROBE), probe);
        BootRoot root = new BootRoot(dir, serverIpv4, httpPort, nonce, sha256(probe));
        Files.writeString(dir.resolve(SCRIPT_TFTP), root.script(BootMode.TFTP), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(SCRIPT_HTTP), root.script(BootMode.HTTP), StandardCharsets.US_ASCII);
        return root;
    }

    /** The kernel command line (without the {@code initrd=} the EFI stub needs, which the scripts add). */
    public String kernelArgs() {
        return "console=ttyS0 quiet loglevel=4 panic=1 leo.server=" + serverIpv4 + " leo.http_port=" + httpPort
                + " leo.probe=" + PROBE + " leo.nonce=" + nonce;
    }

    /** The DHCP filename (option 67 / file) to give iPXE for {@code mode}. */
    public String dhcpFilename(BootMode mode) {
        return switch (mode) {
            case TFTP -> SCRIPT_TFTP;
            case HTTP -> "http://" + serverIpv4 + ":" + httpPort + "/" + SCRIPT_HTTP;
        };
    }

    /**
     * The iPXE script. TFTP uses {@code ${next-server}} (so the server's siaddr is exercised); HTTP
     * uses the literal server address. {@code initrd=} on the command line is required by the EFI stub.
     */
    public String script(BootMode mode) {
        String base = switch (mode) {
            case TFTP -> "tftp://${next-server}/";
            case HTTP -> "http://" + serverIpv4 + ":" + httpPort + "/";
        };
        String m = mode.name().toLowerCase(java.util.Locale.ROOT);
        return "#!ipxe\n"
                // iPXE wraps console lines at 80 columns: keep what tests match at the front
                + "echo LEO-IPXE: script loaded mode=" + m + " platform=${platform} ip=${ip} next=${next-server}\n"
                + "kernel " + base + KERNEL + " initrd=" + INITRD + " " + kernelArgs() + "\n"
                + "initrd " + base + INITRD + "\n"
                + "echo LEO-IPXE: kernel+initrd fetched mode=" + m + "\n"
                + "boot\n";
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
