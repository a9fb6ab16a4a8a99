package org.leo.bench.attest;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;

/** {@code BOOT_DB MAC}: records a boot of MAC as the PXE server would (for the agent-cost run) and prints its nonce. */
public final class RecordBoot {
    public static void main(String[] args) throws Exception {
        try (SqliteBootEventLog boots = SqliteBootEventLog.open(Path.of(args[0]))) {
            System.out.println(record(boots, MacAddress.parse(args[1])));
        }
    }

    /** Records a boot of {@code mac} in {@code boots} (script with a fresh nonce, kernel, initrd); returns the nonce. */
    static String record(SqliteBootEventLog boots, MacAddress mac) {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        String nonce = HexFormat.of().formatHex(b);
        Optional<MacAddress> m = Optional.of(mac);
        Instant now = Instant.now();
        BootEvent script = new BootEvent(now, m, "bench", BootStage.SCRIPT_SERVED, Protocol.HTTP, "boot.ipxe", 300, "ab".repeat(32), nonce, "script");
        boots.recordAll(List.of(
                script, script.delivered(),
                new BootEvent(now, m, "bench", BootStage.FILE_SERVED, Protocol.HTTP, "vmlinuz", 1000, AttestBenchAgents.KERNEL_SHA, nonce, "kernel"),
                new BootEvent(now, m, "bench", BootStage.FILE_SERVED, Protocol.HTTP, "initrd.img", 2000, AttestBenchAgents.INITRD_SHA, nonce, "initrd")));
        return nonce;
    }
}
