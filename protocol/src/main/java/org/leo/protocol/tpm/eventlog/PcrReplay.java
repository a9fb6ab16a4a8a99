package org.leo.protocol.tpm.eventlog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** The replay rules of {@link EventLog#replay()}, kept apart from the log's data. */
final class PcrReplay {
    /** TCG_EfiStartupLocalityEvent: the signature (with its NUL) then one locality byte. */
    static final byte[] STARTUP_LOCALITY_SIGNATURE = "StartupLocality\0".getBytes(StandardCharsets.US_ASCII);
    private static final int STARTUP_LOCALITY_BYTES = STARTUP_LOCALITY_SIGNATURE.length + 1;
    /** Localities 0-4 exist; 4 is the H-CRTM's. */
    private static final int MAX_LOCALITY = 4;
    private static final int HCRTM_LOCALITY = 4;

    private PcrReplay() {
    }

    static ReplayedPcrs replay(EventLog log) throws EventLogFormatException {
        byte[][] pcrs = new byte[EventLog.PCR_COUNT][];
        for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
            pcrs[pcr] = ReplayedPcrs.initial(pcr);
        }
        boolean[] extended = new boolean[EventLog.PCR_COUNT];
        int locality = -1;
        MessageDigest sha256 = sha256();
        for (LogEvent e : log.events()) {
            if (e.type().equals(EventType.EV_NO_ACTION)) {
                if (isStartupLocality(e.dataUnsafe())) {
                    locality = startupLocality(e, locality, extended[0]);
                    pcrs[0][31] = (byte) locality;
                }
                continue;
            }
            byte[] digest = e.sha256().orElseThrow(() -> new EventLogFormatException(e.where()
                    + "no sha256 digest (the log's banks are " + log.specId().bankNames()
                    + "): the log cannot be replayed for the sha256 bank"));
            if (e.type().equals(EventType.EV_EFI_HCRTM_EVENT) && e.pcr() == 0) {
                if (extended[0]) {
                    throw new EventLogFormatException(e.where() + "an H-CRTM event after PCR 0 was extended");
                }
                if (locality >= 0 && locality != HCRTM_LOCALITY) {
                    throw new EventLogFormatException(e.where() + "an H-CRTM event, but the StartupLocality event says "
                            + locality + ", expected " + HCRTM_LOCALITY);
                }
                locality = HCRTM_LOCALITY;
                pcrs[0][31] = (byte) locality;
            }
            sha256.update(pcrs[e.pcr()]);
            sha256.update(digest);
            pcrs[e.pcr()] = sha256.digest();
            extended[e.pcr()] = true;
        }
        return new ReplayedPcrs(pcrs, extended, Math.max(locality, 0));
    }

    static boolean isStartupLocality(byte[] data) {
        return data.length >= STARTUP_LOCALITY_SIGNATURE.length
                && Arrays.equals(data, 0, STARTUP_LOCALITY_SIGNATURE.length, STARTUP_LOCALITY_SIGNATURE, 0,
                        STARTUP_LOCALITY_SIGNATURE.length);
    }

    private static int startupLocality(LogEvent e, int seen, boolean pcr0Extended) throws EventLogFormatException {
        String where = e.where() + "StartupLocality event ";
        if (e.pcr() != 0) {
            throw new EventLogFormatException(where + "in PCR " + e.pcr() + ", expected PCR 0");
        }
        if (e.dataSize() != STARTUP_LOCALITY_BYTES) {
            throw new EventLogFormatException(where + "has " + e.dataSize() + " bytes of data, expected " + STARTUP_LOCALITY_BYTES);
        }
        if (seen >= 0) {
            throw new EventLogFormatException(where + "after an earlier StartupLocality or H-CRTM event");
        }
        if (pcr0Extended) {
            throw new EventLogFormatException(where + "after PCR 0 was extended");
        }
        int locality = e.dataUnsafe()[STARTUP_LOCALITY_SIGNATURE.length] & 0xFF;
        if (locality > MAX_LOCALITY) {
            throw new EventLogFormatException(where + "says locality " + locality + ", expected 0.." + MAX_LOCALITY);
        }
        return locality;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
