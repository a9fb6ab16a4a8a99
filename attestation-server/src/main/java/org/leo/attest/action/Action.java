package org.leo.attest.action;

import java.util.Locale;

/** What the server may do about a verdict, mildest first. */
public enum Action {
    /** Write the verdict to the event log (always done; listed for clarity). */
    RECORD,
    /** Tell the operator: a WARN log line and the dashboard's alert list. */
    ALERT,
    /** Stop the guest task running on the HPC (tasks arrive with the sandbox issue). */
    STOP_TASK,
    /** Cut the HPC's network at the Pi (its only link). */
    CUT_NETWORK,
    /** Power-cycle the HPC: it boots the measured image again and re-enrolls. */
    POWER_CYCLE;

    public static Action parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown action '" + s + "' (record, alert, stop-task, cut-network, power-cycle)");
        }
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
