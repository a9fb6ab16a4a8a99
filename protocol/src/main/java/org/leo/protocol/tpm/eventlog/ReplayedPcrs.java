package org.leo.protocol.tpm.eventlog;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The 24 sha256-bank PCR values a replay of an event log gives, and which PCRs the log extended.
 *
 * <p>Initial values (TCG PC Client Platform TPM Profile, PCR initial values at TPM2_Startup):
 * PCRs 0-16 and 23 start at zero, PCR 0 at the startup locality when the log says so
 * ({@link EventLog#replay()}); PCRs 17-22 start at all ones (0xFF..FF). A static-root-of-trust
 * boot (UEFI, no Intel TXT / AMD SKINIT) never resets 17-22, so that is what its TPM reports
 * and what a quote over them shows. Under D-RTM the late launch resets 17-22 to zero and extends
 * them, but those measurements go to the D-RTM's own log, not this firmware log; replaying a
 * firmware log never models a late launch, so for a D-RTM platform PCRs 17-22 will not match.
 * (tpm2-tools' tpm2_eventlog starts every PCR at zero, so for a log that extends PCR 17-22 its
 * replay differs from ours; the tests pin that difference.)
 */
public final class ReplayedPcrs {
    private final byte[][] values;
    private final boolean[] extended;
    private final int startupLocality;

    ReplayedPcrs(byte[][] values, boolean[] extended, int startupLocality) {
        this.values = values;
        this.extended = extended;
        this.startupLocality = startupLocality;
    }

    /** The initial value of a sha256 PCR after TPM2_Startup on a static-RTM boot. */
    static byte[] initial(int pcr) {
        byte[] v = new byte[32];
        if (pcr >= 17 && pcr <= 22) {
            java.util.Arrays.fill(v, (byte) 0xFF);
        }
        return v;
    }

    /** The replayed sha256 value of {@code pcr} (a copy). */
    public byte[] value(int pcr) {
        check(pcr);
        return values[pcr].clone();
    }

    public String hex(int pcr) {
        check(pcr);
        return HexFormat.of().formatHex(values[pcr]);
    }

    /** Whether at least one event of the log was extended into {@code pcr}. */
    public boolean extended(int pcr) {
        check(pcr);
        return extended[pcr];
    }

    /** PCRs the log extended, ascending. */
    public List<Integer> extendedPcrs() {
        List<Integer> out = new ArrayList<>();
        for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
            if (extended[pcr]) {
                out.add(pcr);
            }
        }
        return out;
    }

    /** The locality PCR 0 started at: 0 unless a StartupLocality or H-CRTM event said otherwise. */
    public int startupLocality() {
        return startupLocality;
    }

    /** Whether the replayed value of {@code pcr} equals {@code value} (constant time). */
    public boolean matches(int pcr, byte[] value) {
        check(pcr);
        return MessageDigest.isEqual(values[pcr], value);
    }

    private static void check(int pcr) {
        if (pcr < 0 || pcr >= EventLog.PCR_COUNT) {
            throw new IllegalArgumentException("PCR " + pcr + " is outside 0.." + (EventLog.PCR_COUNT - 1));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("sha256:\n");
        for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
            sb.append(String.format("  %2d: %s%s%n", pcr, hex(pcr), extended[pcr] ? "" : " (not extended)"));
        }
        return sb.toString();
    }
}
