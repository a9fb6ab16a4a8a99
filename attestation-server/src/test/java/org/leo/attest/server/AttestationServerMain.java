package org.leo.attest.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.leo.attest.AttestationNode;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Policy;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;

/**
 * A separate attestation server process for the crash tests: {@code DATA_DIR BOOT_DB ENROLL_PORT
 * ATTEST_PORT MAC}. Prints "READY" when listening and one "VERDICT clean|findings <sentence>" line per verdict.
 */
public final class AttestationServerMain {
    public static void main(String[] args) throws Exception {
        MacAddress mac = MacAddress.parse(args[4]);
        SqliteBootEventLog boots = SqliteBootEventLog.open(Path.of(args[1]));
        AttestationNode node = AttestationNode.start(new AttestationNode.Config(Path.of(args[0]),
                        new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])), new InetSocketAddress("127.0.0.1", Integer.parseInt(args[3])),
                        List.of("127.0.0.1"), AttestationLoopTest.fastPolicy(), Duration.ofHours(1), List.of(List.of("vmlinuz", "initrd.img")),
                        Duration.ofMinutes(15)),
                boots::latestBoot, a -> a.equals(InetAddress.getLoopbackAddress()) ? Optional.of(mac) : Optional.empty(),
                TestAppliance.manifest(), PowerControl.NONE, NetworkControl.NONE, TaskControl.NONE, Clock.systemUTC(), new SimpleMeterRegistry());
        node.engine().onVerdict(v -> {
            synchronized (System.out) {
                System.out.println("VERDICT " + (v.clean() ? "clean " : "findings ") + v.sentence());
                System.out.flush();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        System.out.println("READY " + node.ca().fingerprint());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
