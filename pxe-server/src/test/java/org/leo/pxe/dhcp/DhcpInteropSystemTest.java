package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.testing.NetNs;

/**
 * Real clients against our server across a veth pair between two network namespaces: the server
 * runs as a separate JVM inside namespace A (port 67, SO_BINDTODEVICE on its veth end, broadcast
 * replies to 255.255.255.255:68), busybox udhcpc and ISC dhclient run in namespace B.
 * Needs root and the Debian packages iproute2, busybox, isc-dhcp-client.
 */
@Tag("system")
class DhcpInteropSystemTest {
    static final String SERVER_IP = "10.78.0.1";
    static final String PXE_MAC = "52:54:00:78:00:10";
    static final String EFI_MAC = "52:54:00:78:00:11";
    static final String UNKNOWN_MAC = "52:54:00:78:00:99";

    @TempDir
    static Path dir;
    static NetNs net;
    static ServerProcess server;

    @BeforeAll
    static void setUp() throws Exception {
        Optional<String> why = NetNs.unavailableReason("busybox", "dhclient");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.get());
        net = NetNs.create("leod");
        net.address(net.a(), SERVER_IP + "/24");
        List<String> prefix = net.execPrefix(net.a());
        server = ServerProcess.start(prefix, dir.resolve("server.log"), List.of("server=" + SERVER_IP,
                "db=" + dir.resolve("leases.db"), "iface=" + net.a().link(), "transport=epoll",
                "reserve=" + PXE_MAC + "@10.78.0.10", "reserve=" + EFI_MAC + "@10.78.0.11"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
            if (dir != null && Files.exists(dir.resolve("server.log"))) {
                System.out.println(Files.readString(dir.resolve("server.log")));
            }
        }
    }

    /** A client hook script that dumps its environment to {@code <dir>/<tool>-<reason>.env}. */
    static Path script(String tool, String reasonVar) throws IOException {
        Path s = dir.resolve(tool + ".sh");
        Files.writeString(s, "#!/bin/sh\nenv > " + dir.resolve(tool) + "-" + reasonVar + ".env\nexit 0\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    static Map<String, String> env(Path file) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    @Test
    void udhcpcAsPxeClientGetsReservedAddressNextServerAndBootFile() throws Exception {
        net.flush(net.b());
        net.mac(net.b(), PXE_MAC);
        Path sh = script("udhcpc", "$1");
        NetNs.Result r = net.run(net.b(), 60, "busybox", "udhcpc", "-i", net.b().link(), "-n", "-q", "-f", "-t", "5",
                "-T", "2", "-V", "PXEClient:Arch:00000:UNDI:002001", "-O", "bootfile", "-s", sh.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();
        Map<String, String> e = env(dir.resolve("udhcpc-bound.env"));
        assertThat(e).containsEntry("ip", "10.78.0.10").containsEntry("siaddr", SERVER_IP)
                .containsEntry("boot_file", "undionly.kpxe").containsEntry("bootfile", "undionly.kpxe")
                .containsEntry("serverid", SERVER_IP).containsEntry("router", SERVER_IP)
                .containsEntry("subnet", "255.255.255.0").containsEntry("lease", "3600");
    }

    @Test
    void dhclientAsUefiPxeClientGetsAddressNextServerAndFilename() throws Exception {
        net.flush(net.b());
        net.mac(net.b(), EFI_MAC);
        Path sh = script("dhclient", "$reason");
        Path conf = dir.resolve("dhclient.conf");
        Files.writeString(conf, "send vendor-class-identifier \"PXEClient:Arch:00007:UNDI:003016\";\n"
                + "request subnet-mask, routers, domain-name-servers, host-name;\n");
        List<String> cmd = new ArrayList<>(List.of("dhclient", "-d", "-1", "-v", "-cf", conf.toString(),
                "-sf", sh.toString(), "-lf", dir.resolve("dhclient.leases").toString(),
                "-pf", dir.resolve("dhclient.pid").toString(), net.b().link()));
        Process p = net.start(net.b(), ProcessBuilder.Redirect.appendTo(dir.resolve("dhclient.log").toFile()), cmd);
        Path bound = dir.resolve("dhclient-BOUND.env");
        try {
            for (int i = 0; i < 600 && !Files.exists(bound) && p.isAlive(); i++) {
                Thread.sleep(100);
            }
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertThat(bound).as(Files.exists(dir.resolve("dhclient.log")) ? Files.readString(dir.resolve("dhclient.log")) : "")
                .exists();
        Map<String, String> e = env(bound);
        assertThat(e).containsEntry("new_ip_address", "10.78.0.11").containsEntry("new_next_server", SERVER_IP)
                .containsEntry("new_filename", "ipxe.efi").containsEntry("new_dhcp_server_identifier", SERVER_IP)
                .containsEntry("new_routers", SERVER_IP);
    }

    @Test
    void unknownMacGetsNoLease() throws Exception {
        net.flush(net.b());
        net.mac(net.b(), UNKNOWN_MAC);
        Path sh = script("udhcpc-unknown", "$1");
        NetNs.Result r = net.run(net.b(), 60, "busybox", "udhcpc", "-i", net.b().link(), "-n", "-q", "-f", "-t", "2",
                "-T", "1", "-V", "PXEClient:Arch:00000:UNDI:002001", "-s", sh.toString());
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("no lease");
        assertThat(dir.resolve("udhcpc-unknown-bound.env")).doesNotExist();
        assertThat(Files.readString(dir.resolve("server.log"))).contains("from unknown MAC " + UNKNOWN_MAC + " ignored");
    }
}
