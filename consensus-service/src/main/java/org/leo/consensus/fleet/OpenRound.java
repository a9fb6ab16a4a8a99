package org.leo.consensus.fleet;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open round on the HPC's Pi, as {@link Rounds} keeps it: its collector and deadline, who has
 * challenged, the verdicts its journal holds, and how far closing it has come (equivocations
 * appended, the ledger head before its certificate's first append, failed attempts and when to try
 * again: {@link RoundRecorder}). Guarded by the Rounds that holds it.
 */
final class OpenRound {
    private static final Logger LOG = LoggerFactory.getLogger(OpenRound.class);

    final RoundId id;
    final Instant deadline;
    private final RoundCommittee votes;
    private QuorumCollector collector;
    final Set<String> challenged = new HashSet<>();
    /** The verdicts the journal holds for this round, in order: what the collector is rebuilt from if a journal write fails. */
    private final List<byte[]> journaled = new ArrayList<>();
    /** Equivocations appended to the ledger (or refused by it) so far. */
    int equivocationsDone;
    /** The ledger's head seq before the certificate was first appended: a certificate of this round after it was recorded. */
    OptionalLong closingFrom = OptionalLong.empty();
    int failedCloses;
    /** When closing may be tried again; null until an attempt failed. */
    Instant retryAt;

    OpenRound(RoundId id, Instant deadline, RoundCommittee votes) {
        this.id = id;
        this.deadline = deadline;
        this.votes = votes;
        this.collector = new QuorumCollector(id, votes.expectedCommitteeSize(), votes);
    }

    /** Who may judge this round, with how many votes. */
    RoundCommittee committee() {
        return votes;
    }

    QuorumCollector collector() {
        return collector;
    }

    /** Closing began and failed: the round takes no more verdicts or challenges. */
    boolean closing() {
        return retryAt != null;
    }

    /** Whether {@link Rounds#closeDue} closes it at {@code now}: its deadline passed or its UNTRUSTED votes are final (or a retry is due). */
    boolean due(Instant now) {
        return closing() ? !now.isBefore(retryAt) : !now.isBefore(deadline) || collector.decidedUntrusted();
    }

    /** The journal now holds {@code verdict}. */
    void journaled(byte[] verdict) {
        journaled.add(verdict);
    }

    /** Offers a journaled verdict again (a restart): it changed the collector once and must again. */
    void replay(byte[] verdict) {
        int evidence = collector.equivocations().size();
        QuorumCollector.Admission a = collector.offer(verdict);
        if (!a.counted() && collector.equivocations().size() == evidence) {
            LOG.warn("consensus: {}: a journaled verdict no longer counts ({}): {}", id, a.refused().map(Enum::name).orElse("?"), a.message());
        }
        journaled.add(verdict);
    }

    /** A fresh collector holding only the journaled verdicts: a verdict counted whose write then failed is forgotten. */
    void rebuild() {
        List<byte[]> kept = List.copyOf(journaled);
        journaled.clear();
        collector = new QuorumCollector(id, votes.expectedCommitteeSize(), votes);
        kept.forEach(this::replay);
    }
}
