package org.leo.boot.events;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;

/**
 * One boot of one client as the event log saw it: from the last {@link BootStage#SCRIPT_SERVED}
 * for the MAC (which carries the per-boot nonce) whose script the client took delivery of, up to now. An attestation step checks that
 * {@link #servedFiles()} are exactly the manifest's artifacts and the nonce is the one the
 * client reports.
 *
 * @param mac            the client
 * @param nonce          the boot nonce put into the iPXE script
 * @param scriptAt       when the script was served
 * @param scriptEventId  log id of the SCRIPT_SERVED event
 * @param scriptSha256   digest of the script served
 * @param events         every event of that MAC from the SCRIPT_SERVED one on, oldest first
 */
public record BootSession(MacAddress mac, String nonce, Instant scriptAt, long scriptEventId, String scriptSha256,
                          List<LoggedEvent> events) {
    public BootSession {
        events = List.copyOf(events);
    }

    /**
     * File name -> SHA-256 of what was sent, for every complete {@link BootStage#FILE_SERVED} (last
     * one wins), except the delivery of the script that started this boot.
     */
    public Map<String, String> servedFiles() {
        Map<String, String> served = new LinkedHashMap<>();
        String script = events.isEmpty() ? "" : events.get(0).event().file();
        for (LoggedEvent le : events) {
            BootEvent e = le.event();
            if (e.stage() == BootStage.FILE_SERVED && !(e.file().equals(script) && e.sha256Hex().equals(scriptSha256))) {
                served.put(e.file(), e.sha256Hex());
            }
        }
        return served;
    }

    /** The refusals during this boot. */
    public List<BootEvent> refusals() {
        return events.stream().map(LoggedEvent::event).filter(e -> e.stage() == BootStage.FILE_REFUSED).toList();
    }
}
