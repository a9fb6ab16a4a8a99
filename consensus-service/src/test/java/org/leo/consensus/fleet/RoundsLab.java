package org.leo.consensus.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * The HPC's Pi's {@link Rounds} without the network: seven lab members (Lab.keys(0..6), credit 10
 * each) admitted on a ledger, tau = 7, member 0 the HPC's Pi (it abstains), and verdicts signed by
 * the members' keys with their real draws at the admission head, so {@link LedgerVotes} checks them
 * as it checks a peer's. The journal's unit test and its kill -9 child share it.
 */
final class RoundsLab {
    static final int TAU = 7;
    static final int MEMBERS = 7;
    static final long CREDIT = 10;
    static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");
    static final Duration DEADLINE = Duration.ofSeconds(40);
    static final long TRUSTED = QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, TAU);
    static final long UNTRUSTED = QuorumCertificate.threshold(Verdict.Outcome.UNTRUSTED, TAU);

    /** Serves the lab's HPC; relays nothing (these tests offer verdicts directly). */
    static final RelayPort RELAY = new RelayPort() {
        @Override
        public boolean serves(MacAddress hpc) {
            return hpc.equals(HPC);
        }

        @Override
        public CompletableFuture<RelayAnswer> relay(MacAddress hpc, byte[] nonce) {
            return CompletableFuture.failedFuture(new IllegalStateException("the lab relays no challenge"));
        }
    };

    private final FleetLedger ledger;
    private final FleetLedger.Snapshot at;

    /** Over {@code ledger}, whose first entries are the lab's admissions (made now if it is empty). */
    RoundsLab(Ledger ledger) {
        if (ledger.head().isEmpty()) {
            for (int i = 0; i < MEMBERS; i++) {
                ledger.append(new LedgerRecord.MemberAdmitted(Lab.keys(i).member(), Lab.keys(i).vrfKey(), CREDIT));
            }
        }
        this.ledger = new FleetLedger(ledger);
        this.at = this.ledger.at(ledger.entries(MEMBERS, 1).get(0).hash()).orElseThrow();
    }

    /** The HPC's Pi's rounds, journaled in {@code journal} if present, with the default deadline and room for 1000 rounds. */
    Rounds rounds(Clock clock, Optional<RoundJournal> journal) {
        return new Rounds(Lab.keys(0).member(), ledger, new LedgerVotes(ledger, TAU), RELAY, DEADLINE, 1000, clock, journal);
    }

    /** Round {@code n} at the admission head. */
    RoundId round(long n) {
        return new RoundId(at.head(), HPC, n);
    }

    /** Each member's votes in {@code round} (member 0, the HPC's Pi, abstains: 0). */
    long[] votes(RoundId round) {
        long[] v = new long[MEMBERS];
        for (int i = 1; i < MEMBERS; i++) {
            v[i] = Lab.draw(Lab.keys(i), at, round, TAU).votes();
        }
        return v;
    }

    /** The first round from number {@code from} on whose draw passes {@code p}. */
    RoundId roundWhere(long from, Predicate<long[]> p) {
        for (long n = from; n < from + 10_000; n++) {
            if (p.test(votes(round(n)))) {
                return round(n);
            }
        }
        throw new IllegalStateException("no round of 10000 from " + from + " has such a draw");
    }

    /** Member {@code i}'s verdict in {@code round}, with its real draw; {@code evidence} makes verdicts of one member differ. */
    Verdict verdict(RoundId round, int i, Verdict.Outcome outcome, String evidence) {
        var draw = Lab.draw(Lab.keys(i), at, round, TAU);
        return Lab.keys(i).sign(round, (int) draw.votes(), draw.proof(), outcome, Lab.sha256(evidence + " " + round.round() + " " + i));
    }

    /** The verdicts of every member seated in {@code round}, all with {@code outcome}. */
    List<Verdict> seated(RoundId round, Verdict.Outcome outcome) {
        long[] v = votes(round);
        List<Verdict> out = new ArrayList<>();
        for (int i = 1; i < MEMBERS; i++) {
            if (v[i] > 0) {
                out.add(verdict(round, i, outcome, "evidence"));
            }
        }
        return out;
    }

    static long sum(long[] v) {
        return java.util.Arrays.stream(v).sum();
    }

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        private volatile Instant now;

        HandClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
