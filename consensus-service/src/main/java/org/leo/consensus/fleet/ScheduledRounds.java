package org.leo.consensus.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.leo.consensus.quorum.RoundId;

/**
 * Which rounds the HPC's Pi opens when the fleet follows its schedule ({@link RoundSchedule}): round
 * {@code k} only while it runs, from {@code k * period} (less {@link #CLOCK_SKEW} for a verifier whose
 * clock is ahead) until it closes ({@code open}: spread, deadline and grace), and only at the ledger
 * head this Pi read at its start. The head is the one its own schedule read at {@code k * period}; if
 * a verifier's challenge comes first, the head read then, which is the same while the ledger is
 * still (the quiet part of the period). So no member can choose the head its votes are drawn at.
 */
final class ScheduledRounds {
    /** How far a verifier's clock may be ahead of this Pi's (NTP keeps Pis well inside it). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(2);
    private static final int HEADS_KEPT = 64;

    private final long periodMillis;
    private final Duration open;
    private final Map<Long, byte[]> heads = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > HEADS_KEPT;
        }
    };

    ScheduledRounds(Duration period, Duration open) {
        this.periodMillis = period.toMillis();
        this.open = open;
    }

    void started(long k, byte[] head) {
        heads.putIfAbsent(k, head.clone());
    }

    /** Why {@code id} may not open at {@code now}; {@code headNow} reads the ledger's head if this Pi has none for the round yet. */
    Optional<String> problem(RoundId id, Instant now, Supplier<byte[]> headNow) {
        long k = id.round();
        if (k > Long.MAX_VALUE / periodMillis) {
            return Optional.of("round " + k + " is beyond the schedule");
        }
        Instant start = Instant.ofEpochMilli(k * periodMillis);
        if (now.isBefore(start.minus(CLOCK_SKEW)) || now.isAfter(start.plus(open))) {
            return Optional.of("round " + k + " runs from " + start + " for " + open.toMillis() + " ms; it is " + now);
        }
        byte[] head = heads.computeIfAbsent(k, x -> headNow.get().clone());
        if (!Arrays.equals(head, id.ledgerHead())) {
            HexFormat hex = HexFormat.of();
            return Optional.of("round " + k + " is drawn at ledger head " + hex.formatHex(head, 0, 8) + ".. (this Pi's at its start), not "
                    + hex.formatHex(id.ledgerHead(), 0, 8) + "..");
        }
        return Optional.empty();
    }
}
