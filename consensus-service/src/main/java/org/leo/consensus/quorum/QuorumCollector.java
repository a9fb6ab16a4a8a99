package org.leo.consensus.quorum;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the signed verdicts of one round and decides its certificate. Every verdict comes from a
 * peer and is hostile until checked: it must be for this round, signed by the member it names, and
 * claim exactly the votes its VRF proof gives ({@link VoteVerifier}). A verdict seen before is a
 * replay and counts once; a member's second, different verdict is equivocation: both are kept as
 * {@link Equivocation} evidence and that member counts for nothing in this round.
 *
 * <p>The decision ({@link #certificate()}) is a function of the verdicts counted, with UNTRUSTED
 * taking precedence: UNTRUSTED as soon as its votes reach {@link QuorumCertificate#threshold}
 * (more than a third of &tau;; it cannot be undone by later verdicts), TRUSTED when its votes reach
 * more than two thirds of &tau; and UNTRUSTED has not reached its own. So one round never yields two
 * certificates, however the honest verdicts split, and a TRUSTED certificate is final only when the
 * round closes ({@link #certificate()} at the deadline): until then a late UNTRUSTED quorum can still
 * overturn it. docs/committee-risk.md gives the probabilities behind the two thresholds.
 */
public final class QuorumCollector {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumCollector.class);

    /** Why a verdict was not counted. */
    public enum Reason {
        WRONG_ROUND("the verdict is for another round"),
        MALFORMED("the verdict does not parse"),
        BAD_SIGNATURE("the signature does not verify under the member key it names"),
        UNKNOWN_MEMBER("the member is not in the fleet"),
        BAD_PROOF("the VRF proof does not verify"),
        NOT_SELECTED("the VRF proof gives the member no vote in this round"),
        INFLATED_VOTES("the verdict claims more or fewer votes than its VRF proof gives"),
        REPLAYED("the same verdict was received before"),
        EQUIVOCATION("the member signed another verdict for this round");

        private final String sentence;

        Reason(String sentence) {
            this.sentence = sentence;
        }

        public String sentence() {
            return sentence;
        }
    }

    /** What happened to one offered verdict. */
    public record Admission(boolean counted, Optional<Reason> refused, String message) {
        static Admission counted(String message) {
            return new Admission(true, Optional.empty(), message);
        }

        static Admission refused(Reason reason, String message) {
            return new Admission(false, Optional.of(reason), message);
        }
    }

    private final RoundId round;
    private final int expectedCommitteeSize;
    private final VoteVerifier check;
    private final Map<String, Verdict> byMember = new LinkedHashMap<>();
    private final Set<String> equivocators = new HashSet<>();
    private final List<Equivocation> evidence = new ArrayList<>();
    private final Map<Reason, Long> refusals = new EnumMap<>(Reason.class);

    public QuorumCollector(RoundId round, int expectedCommitteeSize, VoteVerifier check) {
        if (expectedCommitteeSize <= 0) {
            throw new IllegalArgumentException("expected committee size must be positive, got " + expectedCommitteeSize);
        }
        this.round = round;
        this.expectedCommitteeSize = expectedCommitteeSize;
        this.check = check;
    }

    public RoundId round() {
        return round;
    }

    /** Offers a verdict in its wire form (a peer's bytes). */
    public synchronized Admission offer(byte[] encoded) {
        Verdict v;
        try {
            v = Verdict.decode(encoded);
        } catch (IllegalArgumentException e) {
            return refuse(Reason.MALFORMED, e.getMessage());
        }
        return offer(v);
    }

    public synchronized Admission offer(Verdict v) {
        if (!v.round().equals(round)) {
            return refuse(Reason.WRONG_ROUND, v + " offered to " + round);
        }
        String member = v.memberHex();
        Verdict earlier = byMember.get(member);
        if (earlier != null && earlier.equals(v)) {
            return refuse(Reason.REPLAYED, v + " received again");
        }
        if (!v.signatureValid()) {
            return refuse(Reason.BAD_SIGNATURE, v + ": " + Reason.BAD_SIGNATURE.sentence());
        }
        if (equivocators.contains(member)) {
            return refuse(Reason.EQUIVOCATION, "member " + member + " already equivocated in " + round);
        }
        if (earlier != null) {
            Equivocation e = new Equivocation(earlier, v);
            evidence.add(e);
            equivocators.add(member);
            byMember.remove(member);
            LOG.warn("consensus: member {} equivocated in {}: {} and {}; its votes no longer count", member, round, earlier.outcome(), v.outcome());
            return refuse(Reason.EQUIVOCATION, "member " + member + " signed " + earlier.outcome() + " and " + v.outcome() + " for " + round);
        }
        int proven;
        try {
            proven = check.votes(v.member(), v.vrfProof(), round);
        } catch (VoteVerifier.Refused e) {
            return refuse(e.reason(), v + ": " + e.getMessage());
        }
        if (proven == 0) {
            return refuse(Reason.NOT_SELECTED, v + ": " + Reason.NOT_SELECTED.sentence());
        }
        if (proven != v.votes()) {
            return refuse(Reason.INFLATED_VOTES, v + " claims " + v.votes() + " vote(s), its VRF proof gives " + proven);
        }
        byMember.put(member, v);
        return Admission.counted(v + " counted");
    }

    private Admission refuse(Reason reason, String message) {
        refusals.merge(reason, 1L, Long::sum);
        LOG.debug("consensus: verdict refused ({}): {}", reason, message);
        return Admission.refused(reason, message);
    }

    private List<Verdict> of(Verdict.Outcome outcome) {
        return byMember.values().stream().filter(v -> v.outcome() == outcome).toList();
    }

    /** The counted verdicts for {@code outcome} (an equivocator's are no longer counted). */
    public synchronized List<Verdict> counted(Verdict.Outcome outcome) {
        return of(outcome);
    }

    /** Votes counted for {@code outcome}. */
    public synchronized long votes(Verdict.Outcome outcome) {
        return of(outcome).stream().mapToLong(Verdict::votes).sum();
    }

    /**
     * The round's certificate as the counted verdicts decide it now: UNTRUSTED once it has its
     * threshold (final), else TRUSTED once it has its own (final at the round's deadline), else none.
     */
    public synchronized Optional<QuorumCertificate> certificate() {
        for (Verdict.Outcome o : List.of(Verdict.Outcome.UNTRUSTED, Verdict.Outcome.TRUSTED)) {
            List<Verdict> vs = of(o);
            if (vs.stream().mapToLong(Verdict::votes).sum() >= QuorumCertificate.threshold(o, expectedCommitteeSize)) {
                return Optional.of(new QuorumCertificate(round, o, vs));
            }
        }
        return Optional.empty();
    }

    /** True once UNTRUSTED has its threshold: no later verdict changes the decision, it can be recorded at once. */
    public synchronized boolean decidedUntrusted() {
        return certificate().filter(c -> c.outcome() == Verdict.Outcome.UNTRUSTED).isPresent();
    }

    public synchronized List<Equivocation> equivocations() {
        return List.copyOf(evidence);
    }

    /** Refused verdicts by reason, for metrics. */
    public synchronized Map<Reason, Long> refusals() {
        return Map.copyOf(refusals);
    }

    /** Votes counted so far. */
    public synchronized long votes() {
        return byMember.values().stream().mapToLong(Verdict::votes).sum();
    }
}
