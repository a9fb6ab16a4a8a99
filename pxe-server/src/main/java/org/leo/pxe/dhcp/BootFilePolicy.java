package org.leo.pxe.dhcp;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Chooses the boot file as a pure function over an ordered table; the first matching row wins.
 * A client already running iPXE gets the script (never the iPXE binary again: that would loop);
 * UEFI HTTP boot gets a URL of the UEFI iPXE binary; PXE ROMs get the iPXE binary for their arch
 * (RFC 4578 2.1 types).
 */
public final class BootFilePolicy {
    private record Row(String rule, Predicate<NetbootClass> when, BiFunction<NetbootClass, DhcpConfig, String> file,
                       boolean echoHttpClient) {
    }

    private static final List<Row> TABLE = List.of(
            new Row("iPXE user class -> script", NetbootClass::ipxe,
                    (c, cfg) -> cfg.httpMode() ? url(cfg, cfg.bootFiles().ipxeScript()) : cfg.bootFiles().ipxeScript(), false),
            new Row("HTTPClient arm64 -> UEFI iPXE URL", c -> c.httpClient() && isArm64(c),
                    (c, cfg) -> url(cfg, cfg.bootFiles().efiArm64()), true),
            new Row("HTTPClient -> UEFI iPXE URL", NetbootClass::httpClient,
                    (c, cfg) -> url(cfg, cfg.bootFiles().efiX86_64()), true),
            new Row("arch 0 BIOS", c -> archIs(c, 0), (c, cfg) -> cfg.bootFiles().bios(), false),
            new Row("arch 7/9 EFI x86-64", c -> archIs(c, 7) || archIs(c, 9), (c, cfg) -> cfg.bootFiles().efiX86_64(), false),
            new Row("arch 11 EFI arm64", c -> archIs(c, 11), (c, cfg) -> cfg.bootFiles().efiArm64(), false));

    private BootFilePolicy() {
    }

    /** The boot file for this client, or empty when no row matches (no arch, unsupported arch). */
    public static Optional<BootChoice> select(NetbootClass client, DhcpConfig config) {
        for (Row r : TABLE) {
            if (r.when().test(client)) {
                return Optional.of(new BootChoice(r.file().apply(client, config), r.rule(), r.echoHttpClient()));
            }
        }
        return Optional.empty();
    }

    static String url(DhcpConfig cfg, String name) {
        return "http://" + cfg.serverAddress().getHostAddress() + ":" + cfg.httpPort() + "/" + name;
    }

    private static boolean archIs(NetbootClass c, int code) {
        return c.arch().map(a -> a.code() == code).orElse(false);
    }

    private static boolean isArm64(NetbootClass c) {
        return archIs(c, 11) || archIs(c, 19);
    }
}
