package org.leo.appliance.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.pxe.PxeConfig;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo pxe events}: print the boot event log. */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Print the boot event log: every DHCP step and every file served or refused, per HPC, oldest first.",
            "",
            "With --json: an array of {at, mac, client, stage, protocol, file, bytes, sha256, bootNonce, detail} "
                + "(mac and protocol null when there is none)."})
public class PxeEventsCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
            description = "The data directory of 'leo pxe serve'. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--mac", paramLabel = "MAC", description = "Only this HPC's events.")
    String mac;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "200", description = "At most N events. Default: ${DEFAULT-VALUE}.")
    int limit;

    @picocli.CommandLine.Mixin
    JsonOption output = new JsonOption();

    /** One event in the {@code --json} array. */
    record Event(String at, String mac, String client, String stage, String protocol, String file, long bytes, String sha256,
                 String bootNonce, String detail) {
        static Event of(BootEvent e) {
            return new Event(e.at().toString(), e.mac().map(MacAddress::toString).orElse(null), e.client(), e.stage().name(),
                    e.protocol() == null ? null : e.protocol().toString(), e.file(), e.bytes(), e.sha256Hex(), e.bootNonce(), e.detail());
        }
    }

    @Override
    public Integer call() throws Exception {
        Path file = dataDir.resolve(PxeConfig.EVENTS_FILE);
        if (!Files.isRegularFile(file)) {
            System.err.println("leo pxe events: no boot event log at " + file);
            return 1;
        }
        try (SqliteBootEventLog log = SqliteBootEventLog.open(file)) {
            List<BootEvent> events = mac != null
                    ? log.eventsFor(MacAddress.parse(mac), limit)
                    : log.since(0, limit).stream().map(LoggedEvent::event).toList();
            if (output.json) {
                Json.print(events.stream().map(Event::of).toList());
                return 0;
            }
            for (BootEvent e : events) {
                System.out.println(format(e));
            }
        }
        return 0;
    }

    static String format(BootEvent e) {
        StringBuilder b = new StringBuilder();
        b.append(e.at()).append(' ').append(e.mac().map(MacAddress::toString).orElse("-")).append(' ')
                .append(e.stage());
        if (e.protocol() != null) {
            b.append(' ').append(e.protocol());
        }
        if (!e.file().isEmpty()) {
            b.append(' ').append(e.file()).append(' ').append(e.bytes()).append(" bytes");
        }
        if (!e.sha256Hex().isEmpty()) {
            b.append(" sha256=").append(e.sha256Hex(), 0, Math.min(16, e.sha256Hex().length())).append("..");
        }
        if (!e.bootNonce().isEmpty()) {
            b.append(" nonce=").append(e.bootNonce(), 0, Math.min(16, e.bootNonce().length())).append("..");
        }
        if (!e.detail().isEmpty()) {
            b.append(" (").append(e.detail()).append(')');
        }
        return b.toString();
    }
}
