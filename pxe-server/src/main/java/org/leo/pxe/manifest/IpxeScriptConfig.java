package org.leo.pxe.manifest;

import org.leo.boot.manifest.BootPath;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What goes into the per-client iPXE script.
 *
 * @param scriptName the requested name that yields a generated script instead of a file (e.g. {@code boot.ipxe})
 * @param serverHost this server's address as the client reaches it (IPv4, bracketed IPv6 or host name)
 * @param httpPort   the HTTP boot server's port; 0 until it is bound (see {@link ManifestBootFiles#setHttpPort})
 * @param kernel     boot path of the kernel (must be in the manifest to be served)
 * @param initrd     boot path of the initrd
 * @param extraArgs  further kernel arguments, printable ASCII (operator configuration, not client input)
 */
public record IpxeScriptConfig(String scriptName, String serverHost, int httpPort, String kernel, String initrd,
                               String extraArgs) {
    /** Longest extra argument string; Linux's command line is limited to 2048 bytes on x86. */
    public static final int MAX_EXTRA_ARGS = 1024;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");

    public IpxeScriptConfig {
        Objects.requireNonNull(extraArgs, "extraArgs");
        for (String p : new String[] {scriptName, kernel, initrd}) {
            BootPath.problem(p).ifPresent(problem -> {
                throw new IllegalArgumentException(problem + ": '" + BootPath.printable(p) + "'");
            });
        }
        if (!HOST.matcher(serverHost).matches()) {
            throw new IllegalArgumentException("not a server host: '" + BootPath.printable(serverHost) + "'");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("not a port: " + httpPort);
        }
        if (extraArgs.length() > MAX_EXTRA_ARGS || !extraArgs.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("extra kernel arguments must be at most " + MAX_EXTRA_ARGS + " printable ASCII characters");
        }
    }

    /** {@code boot.ipxe}, {@code vmlinuz}, {@code initrd.img}, {@code console=ttyS0}. */
    public static IpxeScriptConfig defaults(String serverHost, int httpPort) {
        return new IpxeScriptConfig("boot.ipxe", serverHost, httpPort, "vmlinuz", "initrd.img", "console=ttyS0");
    }

    public IpxeScriptConfig withHttpPort(int port) {
        return new IpxeScriptConfig(scriptName, serverHost, port, kernel, initrd, extraArgs);
    }
}
