package org.leo.boot.manifest;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image's iPXE script template: {@value #FILE}, written by {@code leo image build-hpc} next to
 * the kernel and initrd and listed, with its SHA-256, in the image's signed manifest. When the
 * manifest lists it, {@link ManifestBootFiles} renders every per-boot script from it instead of
 * the built-in one, so the image says how it is booted (its own kernel arguments, console,
 * panic behaviour) and the server fills in only what changes per boot and per site:
 * <ul>
 * <li>{@code @LEO_BASE@}: {@code tftp://SERVER} or {@code http://SERVER:PORT}, the protocol the
 * script itself was fetched with;
 * <li>{@code @LEO_NONCE@}: the boot nonce, fresh for every script (required);
 * <li>{@code @LEO_SERVER@}: the server's address (required: the agent reads {@code leo.server=});
 * <li>{@code @LEO_ARGS@}: the server's kernel arguments ({@code --cmdline}, and with
 * {@code --attest} the CA pin and ports).
 * </ul>
 * Nothing else is substituted, and the values cannot break a line: the nonce is hex, the server a
 * checked host, the arguments printable ASCII. A template is at most {@value #MAX_BYTES} bytes of
 * printable ASCII lines starting with {@code #!ipxe}; any other {@code @LEO_...@} token is an
 * error.
 */
public final class IpxeTemplate {
    /** The template's file name in the boot root and the manifest. */
    public static final String FILE = "boot.ipxe.template";
    /** Largest template. */
    public static final int MAX_BYTES = 4096;
    static final String BASE = "@LEO_BASE@";
    static final String NONCE = "@LEO_NONCE@";
    static final String SERVER = "@LEO_SERVER@";
    static final String ARGS = "@LEO_ARGS@";
    private static final List<String> TOKENS = List.of(BASE, NONCE, SERVER, ARGS);
    private static final Pattern TOKEN = Pattern.compile("@LEO_[A-Z0-9_]*@?");

    private final String text;

    private IpxeTemplate(String text) {
        this.text = text;
    }

    /**
     * Checks and keeps a template.
     *
     * @throws IllegalArgumentException with a sentence naming what is wrong (and the line)
     */
    public static IpxeTemplate parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(FILE + " has " + bytes.length + " bytes; at most " + MAX_BYTES + " are allowed");
        }
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (b != '\n' && b != '\t' && (b < 0x20 || b >= 0x7f)) {
                throw new IllegalArgumentException(FILE + ": byte " + i + " (0x" + Integer.toHexString(b)
                        + ") is not printable ASCII, a tab or a newline");
            }
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (!text.startsWith("#!ipxe\n")) {
            throw new IllegalArgumentException(FILE + " does not start with a '#!ipxe' line");
        }
        // Tokens are what one left-to-right scan finds: "@LEO_BASE@LEO_NONCE@" holds BASE only.
        java.util.Set<String> found = new java.util.HashSet<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            if (!TOKENS.contains(m.group())) {
                int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                throw new IllegalArgumentException(FILE + " line " + line + ": unknown token '" + m.group() + "' (known: "
                        + String.join(", ", TOKENS) + ")");
            }
            found.add(m.group());
        }
        for (String required : List.of(NONCE, SERVER)) {
            if (!found.contains(required)) {
                throw new IllegalArgumentException(FILE + " has no " + required
                        + " (the agent needs leo.nonce= and leo.server= on the kernel command line)");
            }
        }
        return new IpxeTemplate(text);
    }

    /** The script for one boot. The values come from the server, never from a client. */
    public String render(String base, String nonce, String server, String args) {
        java.util.Map<String, String> values = java.util.Map.of(BASE, base, NONCE, nonce, SERVER, server, ARGS, args);
        return TOKEN.matcher(text).replaceAll(r -> Matcher.quoteReplacement(values.get(r.group())));
    }

    /**
     * The unified kernel image {@code leo image build-hpc} writes beside the kernel and initrd
     * (systemd-stub + kernel + initrd + command line in one EFI application): the file the image's
     * template chains on UEFI, and the one artifact a UEFI boot fetches instead of the two.
     */
    public static final String UKI = "leo-hpc.efi";

    /**
     * The template {@code leo image build-hpc} writes for an image without a UKI: an echo naming
     * the image, then kernel (with the image's own arguments, the nonce, the server and the
     * server's arguments), initrd and boot.
     *
     * @param kernelArgs the image's kernel arguments, printable ASCII without '@'
     */
    public static String forImage(String imageId, String arch, String kernel, String initrd, String kernelArgs) {
        return forImage(imageId, arch, kernel, initrd, null, kernelArgs);
    }

    /**
     * The template for an image, with a unified kernel image {@code uki} (or null for none). With a
     * UKI the script branches on iPXE's {@code ${platform}}: on {@code efi} it chains the UKI with
     * the same arguments the kernel line has, less {@code initrd=} (the UKI carries its initrd), so
     * that the firmware measures the UKI into PCR 4 and systemd-stub the arguments into PCR 12 (iPXE
     * passes them as "UKI ARGS": the image name comes first); on BIOS ({@code pcbios}) it loads
     * kernel and initrd as before, unmeasured. There is no fallback from a failed chain to the
     * kernel: a UEFI boot that did not run the UKI is not the boot the image describes.
     *
     * @param kernelArgs the image's kernel arguments, printable ASCII without '@'
     */
    public static String forImage(String imageId, String arch, String kernel, String initrd, String uki, String kernelArgs) {
        for (String v : java.util.stream.Stream.of(imageId, arch, kernel, initrd, uki, kernelArgs).filter(java.util.Objects::nonNull).toList()) {
            if (!v.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '@')) {
                throw new IllegalArgumentException("not printable ASCII without '@': '" + v + "'");
            }
        }
        if (uki != null && !uki.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")) {
            throw new IllegalArgumentException("not a boot path without spaces: '" + uki + "'");
        }
        String initrdName = initrd.substring(initrd.lastIndexOf('/') + 1);
        String args = kernelArgs + " leo.nonce=" + NONCE + " leo.server=" + SERVER + " " + ARGS;
        StringBuilder t = new StringBuilder("#!ipxe\n"
                + "# Leo HPC image " + imageId + " (" + arch + "), made by leo image build-hpc and listed in its signed\n"
                + "# manifest. leo pxe serve renders it for every boot: " + BASE.replace("@", "") + ", " + NONCE.replace("@", "")
                + ", " + SERVER.replace("@", "") + ", " + ARGS.replace("@", "") + ".\n"
                + "echo Leo: booting ${mac} with image " + imageId + " (" + arch + "), boot nonce " + NONCE + "\n");
        if (uki != null) {
            t.append("# UEFI chains the unified kernel image (measured: PCR 4, 11, 12, 9); BIOS loads kernel and initrd.\n")
                    .append("iseq ${platform} efi && goto uki || goto legacy\n")
                    .append(":uki\n")
                    .append("chain ").append(BASE).append('/').append(uki).append(' ').append(args).append('\n')
                    .append(":legacy\n");
        }
        t.append("kernel ").append(BASE).append('/').append(kernel).append(" initrd=").append(initrdName).append(' ').append(args).append('\n')
                .append("initrd ").append(BASE).append('/').append(initrd).append('\n')
                .append("boot\n");
        parse(t.toString().getBytes(StandardCharsets.US_ASCII));
        return t.toString();
    }

    /**
     * The command line the UKI gets in a boot with {@code nonce}: what iPXE passes to an EFI image it
     * chains, the image's name (the last part of the chain URL) and the arguments, joined by single
     * spaces as iPXE joins its arguments. This is what systemd-stub measures into PCR 12, so the Pi
     * can expect it exactly. Empty when the template chains no {@link #UKI}.
     */
    public java.util.Optional<String> ukiCommandLine(String nonce, String server, String args) {
        for (String line : render("leo-base://x", nonce, server, args).split("\n")) {
            String[] words = line.trim().split("[ \t]+");
            if (words.length >= 2 && words[0].equals("chain") && words[1].endsWith("/" + UKI)) {
                StringBuilder cmd = new StringBuilder(UKI);
                for (int i = 2; i < words.length; i++) {
                    cmd.append(' ').append(words[i]);
                }
                return java.util.Optional.of(cmd.toString());
            }
        }
        return java.util.Optional.empty();
    }

    /** The template's text (for logs and tests). */
    public String text() {
        return text;
    }
}
