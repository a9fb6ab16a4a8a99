package org.leo.boot.events;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * Child JVM for the crash test: appends events forever and prints each id after
 * {@link SqliteBootEventLog#append} returned (= acknowledged), until it is killed.
 */
public final class EventAppenderMain {
    private EventAppenderMain() {
    }

    public static void main(String[] args) throws Exception {
        SqliteBootEventLog log = SqliteBootEventLog.open(Path.of(args[0]));
        MacAddress mac = MacAddress.parse("52:54:00:77:00:10");
        for (long i = 0; ; i++) {
            long id = log.append(new BootEvent(Instant.now(), Optional.of(mac), "10.0.0.5:1000", BootStage.FILE_SERVED,
                    Protocol.TFTP, "vmlinuz", i, "ab".repeat(32), "", "crash test " + i));
            System.out.println(id);
            System.out.flush();
        }
    }
}
