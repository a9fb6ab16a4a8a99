package org.leo.pxe.ra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class RouterAdvertisementResponderTest {

    @Test
    void advertisementSaysNoRouterAndNoDhcpv6() {
        byte[] ra = RouterAdvertisementResponder.advertisement();
        assertThat(ra).hasSize(16);
        assertThat(ra[0] & 0xff).isEqualTo(134);      // Router Advertisement
        assertThat(ra[1]).isZero();                    // code
        assertThat(ra[5]).isZero();                    // M=0, O=0
        assertThat(ByteBuffer.wrap(ra, 6, 2).getShort()).isZero(); // router lifetime
    }

    @Test
    void onlyWellFormedSolicitationsAreAnswered() {
        assertThat(RouterAdvertisementResponder.isSolicitation(new byte[] {(byte) 133, 0, 0, 0, 0, 0, 0, 0}, 8)).isTrue();
        assertThat(RouterAdvertisementResponder.isSolicitation(new byte[] {(byte) 133, 0, 0, 0, 0, 0, 0}, 7))
                .as("shorter than 8 octets").isFalse();
        assertThat(RouterAdvertisementResponder.isSolicitation(new byte[] {(byte) 133, 1, 0, 0, 0, 0, 0, 0}, 8))
                .as("code must be 0").isFalse();
        assertThat(RouterAdvertisementResponder.isSolicitation(new byte[] {(byte) 135, 0, 0, 0, 0, 0, 0, 0}, 8))
                .as("neighbour solicitation").isFalse();
    }

    @Test
    void filterPassesOnlyType133() {
        ByteBuffer f = ByteBuffer.wrap(RouterAdvertisementResponder.onlySolicitationsFilter()).order(ByteOrder.nativeOrder());
        for (int type = 0; type < 256; type++) {
            boolean blocked = (f.getInt((type >> 5) * 4) & (1 << (type & 31))) != 0;
            assertThat(blocked).as("type %d blocked", type).isEqualTo(type != 133);
        }
    }

    // ---- with a real peer: rdisc6 (ndisc6) soliciting from another network namespace -------------------

    private static final String NS_PI = "leor" + ProcessHandle.current().pid() + "p";
    private static final String NS_HPC = "leor" + ProcessHandle.current().pid() + "h";
    private static boolean netnsReady;

    interface Ns extends Library {
        Ns C = Native.load("c", Ns.class);
        int CLONE_NEWNET = 0x40000000;

        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    @BeforeAll
    static void createNamespaces() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/rdisc6")) || !Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return;
        }
        netnsReady = sh("ip netns add " + NS_PI) == 0
                && sh("ip netns add " + NS_HPC) == 0
                && sh("ip link add leorp" + " type veth peer name leorh" + " netns " + NS_HPC + " && ip link set leorp netns " + NS_PI) == 0
                && sh("ip netns exec " + NS_PI + " sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.leorp.accept_dad=0") == 0
                && sh("ip -n " + NS_PI + " link set leorp up && ip -n " + NS_HPC + " link set leorh up && ip -n " + NS_PI + " link set lo up") == 0;
    }

    @AfterAll
    static void deleteNamespaces() throws Exception {
        sh("ip netns del " + NS_PI);
        sh("ip netns del " + NS_HPC);
    }

    @Test
    @Tag("system")
    void realClientGetsAnAdvertisementThatEndsItsWait() throws Exception {
        assumeTrue(netnsReady, "needs root, iproute2 and rdisc6 (Debian ndisc6) to create network namespaces");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RouterAdvertisementResponder responder = inNamespace(NS_PI,
                () -> RouterAdvertisementResponder.start("leorp", registry))) {
            // The HPC side's link-local address must finish DAD before rdisc6 can send; retry a few times.
            String out = "";
            for (int attempt = 0; attempt < 10 && !out.contains("Router lifetime"); attempt++) {
                Process p = new ProcessBuilder("ip", "netns", "exec", NS_HPC, "rdisc6", "-1", "-r", "1", "-w", "1000", "leorh")
                        .redirectErrorStream(true).start();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(10, TimeUnit.SECONDS);
                if (!out.contains("Router lifetime")) {
                    Thread.sleep(300);
                }
            }
            assertThat(out).contains("Stateful address conf.    :           No")
                    .contains("Stateful other conf.      :           No")
                    .containsPattern("Router lifetime\\s*:\\s*0 \\(0x0+\\) seconds");
            assertThat(responder.solicitationsAnswered()).isGreaterThanOrEqualTo(1);
            assertThat(registry.get("pxe.ra.solicitations").counter().count()).isGreaterThanOrEqualTo(1);
        }
    }

    /** Runs {@code action} on a thread that has entered network namespace {@code ns}; sockets it opens live there. */
    static <T> T inNamespace(String ns, Callable<T> action) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return one.submit(() -> {
                int fd = Ns.C.open("/run/netns/" + ns, 0);
                if (fd < 0 || Ns.C.setns(fd, Ns.CLONE_NEWNET) != 0) {
                    throw new IOException("cannot enter network namespace " + ns);
                }
                Ns.C.close(fd);
                return action.call();
            }).get(30, TimeUnit.SECONDS);
        } finally {
            one.shutdownNow(); // the thread that entered the namespace dies with the executor
        }
    }

    private static int sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("sh", "-c", command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.err.println("'" + command + "' exited " + rc + ": " + out);
        }
        return rc;
    }
}
