package org.leo.consensus.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rounds of the HPCs this Pi serves: for each open round, who has challenged (once per member;
 * never this Pi itself, which does not judge its own HPC) and its {@link QuorumCollector} over
 * {@link LedgerVotes}. A round opens with its first challenge or verdict, if its ledger head is one
 * of the ledger's last {@value FleetLedger#RECENT_HEADS} and its HPC is served here, and while fewer
 * than {@code maxOpen} rounds are open. It closes when UNTRUSTED reaches its threshold (final at
 * once) or at its deadline ({@link #closeDue}) or when asked ({@link #close}); closing appends the
 * certificate, if the counted verdicts form one, and every equivocation found to the ledger. A
 * closed round answers ROUND_CLOSED; the last {@value #CLOSED_KEPT} closed rounds are remembered.
 */
public final class Rounds {
    private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);
    static final int CLOSED_KEPT = 4096;

    /** A refusal: a reason code (a FleetRefusal's or a QuorumCollector.Reason's name) and a sentence. */
    public record Refused(String reason, String message) { }

    /** What became of a closed round: its certificate and ledger entry, if it had one. */
    public record Closed(Optional<QuorumCertificate> certificate, Optional<LedgerEntry> entry) { }

    /**
     * What the Verdict rpc answers: counted, or refused (a collector's or the fleet's reason); the
     * round's certificate as the counted verdicts decide it now, and its ledger entry once recorded.
     */
    public record Offer(boolean counted, Optional<Refused> refused, Optional<QuorumCertificate> certificate, Optional<LedgerEntry> recorded) {
        static Offer refused(String reason, String message) {
            return new Offer(false, Optional.of(new Refused(reason, message)), Optional.empty(), Optional.empty());
        }
    }

    private static final class Round {
        final QuorumCollector collector;
        final Instant deadline;
        final Set<String> challenged = new HashSet<>();

        Round(QuorumCollector collector, Instant deadline) {
            this.collector = collector;
            this.deadline = deadline;
        }
    }

    private final byte[] self;
    private final FleetLedger ledger;
    private final LedgerVotes votes;
    private final RelayPort relay;
    private final Duration deadline;
    private final int maxOpen;
    private final Clock clock;
    private final Map<RoundId, Round> open = new LinkedHashMap<>();
    private final Map<RoundId, Closed> closed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundId, Closed> eldest) {
            return size() > CLOSED_KEPT;
        }
    };

    /** {@code self}: this Pi's member key; it serves the HPCs and judges none of them. */
    public Rounds(byte[] self, FleetLedger ledger, LedgerVotes votes, RelayPort relay, Duration deadline, int maxOpen, Clock clock) {
        this.self = self.clone();
        this.ledger = ledger;
        this.votes = votes;
        this.relay = relay;
        this.deadline = deadline;
        this.maxOpen = maxOpen;
        this.clock = clock;
    }

    private Round round(RoundId id) throws RefusedException {
        Round r = open.get(id);
        if (r != null) {
            return r;
        }
        if (closed.containsKey(id)) {
            throw new RefusedException(FleetRefusal.ROUND_CLOSED.name(), id + " is closed");
        }
        if (!relay.serves(id.hpc()) || ledger.recent(id.ledgerHead()).isEmpty()) {
            throw new RefusedException(FleetRefusal.UNKNOWN_ROUND.name(), id + ": " + FleetRefusal.UNKNOWN_ROUND.sentence());
        }
        if (open.size() >= maxOpen) {
            throw new RefusedException(FleetRefusal.TOO_MANY_ROUNDS.name(), maxOpen + " rounds are open on this Pi");
        }
        r = new Round(new QuorumCollector(id, votes.expectedCommitteeSize(), votes), clock.instant().plus(deadline));
        open.put(id, r);
        LOG.info("consensus: {} opened, closes at {}", id, r.deadline);
        return r;
    }

    /** Admits a challenge by {@code member} if the round is open (or may open), the vote claim holds and it is the member's first. */
    public synchronized Optional<Refused> challenge(RoundId id, byte[] member, byte[] vrfProof, long claimedVotes) {
        if (java.util.Arrays.equals(member, self)) {
            return Optional.of(new Refused(FleetRefusal.OWN_HPC.name(), FleetRefusal.OWN_HPC.sentence()));
        }
        Round r;
        try {
            r = round(id);
        } catch (RefusedException e) {
            return Optional.of(e.refused);
        }
        Optional<org.leo.consensus.quorum.VoteVerifier.Refused> bad = votes.check(member, vrfProof, id, claimedVotes);
        if (bad.isPresent()) {
            return Optional.of(new Refused(bad.get().reason().name(), bad.get().getMessage()));
        }
        if (!r.challenged.add(HexFormat.of().formatHex(member))) {
            return Optional.of(new Refused(FleetRefusal.REPEATED_CHALLENGE.name(), "member " + HexFormat.of().formatHex(member)
                    + " already challenged the HPC in " + id));
        }
        return Optional.empty();
    }

    /** Offers a verdict's wire form (checked against the caps by the caller) to its round; a closed round answers with its certificate. */
    public synchronized Offer offer(byte[] encoded) {
        Verdict v;
        try {
            v = Verdict.decode(encoded);
        } catch (IllegalArgumentException e) {
            return Offer.refused(QuorumCollector.Reason.MALFORMED.name(), e.getMessage());
        }
        if (java.util.Arrays.equals(v.member(), self)) {
            return Offer.refused(FleetRefusal.OWN_HPC.name(), FleetRefusal.OWN_HPC.sentence());
        }
        Closed done = closed.get(v.round());
        if (done != null) {
            return new Offer(false, Optional.of(new Refused(FleetRefusal.ROUND_CLOSED.name(), v.round() + " is closed")), done.certificate(),
                    done.entry());
        }
        Round r;
        try {
            r = round(v.round());
        } catch (RefusedException e) {
            return new Offer(false, Optional.of(e.refused()), Optional.empty(), Optional.empty());
        }
        QuorumCollector.Admission a = r.collector.offer(encoded);
        Optional<QuorumCertificate> now = r.collector.certificate();
        Optional<LedgerEntry> recorded = r.collector.decidedUntrusted() ? record(v.round()).entry() : Optional.empty();
        return new Offer(a.counted(), a.refused().map(reason -> new Refused(reason.name(), a.message())), now, recorded);
    }

    /** Closes {@code id} now: records its certificate, if any, and its equivocations. */
    public synchronized Closed close(RoundId id) {
        Closed c = closed.get(id);
        return c != null ? c : record(id);
    }

    /** Closes every round whose deadline has passed; returns how many. */
    public synchronized int closeDue() {
        Instant now = clock.instant();
        var due = open.entrySet().stream().filter(e -> !now.isBefore(e.getValue().deadline)).map(Map.Entry::getKey).toList();
        due.forEach(this::record);
        return due.size();
    }

    private Closed record(RoundId id) {
        Round r = open.remove(id);
        if (r == null) {
            Closed none = new Closed(Optional.empty(), Optional.empty());
            closed.put(id, none);
            return none;
        }
        for (Equivocation e : r.collector.equivocations()) {
            ledger.ledger().append(new LedgerRecord.EquivocationRecorded(e));
        }
        Optional<QuorumCertificate> cert = r.collector.certificate();
        Optional<LedgerEntry> entry = cert.map(c -> ledger.ledger().append(new LedgerRecord.CertificateRecorded(c)));
        Closed c = new Closed(cert, entry);
        closed.put(id, c);
        LOG.info("consensus: {} closed: {}", id, cert.map(x -> x.outcome() + " with " + x.votes() + " vote(s), ledger entry #"
                + entry.get().seq()).orElse("no certificate (" + r.collector.votes() + " vote(s) counted)"));
        return c;
    }

    /** The certificate recorded for a closed round, if any. */
    public synchronized Optional<Closed> closed(RoundId id) {
        return Optional.ofNullable(closed.get(id));
    }

    /** A refusal as an exception, out of {@link #round}. */
    private static final class RefusedException extends Exception {
        private final Refused refused;

        RefusedException(String reason, String message) {
            super(message);
            this.refused = new Refused(reason, message);
        }

        Refused refused() {
            return refused;
        }
    }
}
