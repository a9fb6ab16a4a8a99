package org.leo.attest.log;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Child JVM for the kill -9 test: appends in bursts and prints each sequence number once its future completed (durable). */
public final class LogAppenderMain {
    public static void main(String[] args) throws Exception {
        AttestationLog log = AttestationLog.open(Path.of(args[0]));
        for (int i = 0; ; i++) {
            List<CompletableFuture<ChainedEntry>> burst = new ArrayList<>();
            for (int j = 0; j < 1 + i % 7; j++) {
                burst.add(log.append(new LogEntry(Instant.now(), "52:54:00:77:00:10", LogEntry.Kind.VERDICT, "info",
                        "verdict.clean", "entry " + i + "." + j, "")));
            }
            for (CompletableFuture<ChainedEntry> f : burst) {
                System.out.println(f.get().seq());
            }
            System.out.flush();
        }
    }
}
