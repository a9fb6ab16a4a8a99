package org.leo.consensus.fleet;

import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;

/**
 * A member's votes in a round, recomputed from public data only: its VRF key and credit and the
 * fleet's total credit as of the round's ledger head ({@link FleetLedger#at}), the round's VERIFIER
 * alpha and the proof ({@link MemberSortition#votes}). The HPC's Pi uses it twice: before it relays
 * a verifier's challenge ({@link #check}) and in the round's quorum collector.
 */
public final class LedgerVotes implements RoundCommittee {
    private final FleetLedger ledger;
    private final int expectedCommitteeSize;

    public LedgerVotes(FleetLedger ledger, int expectedCommitteeSize) {
        this.ledger = ledger;
        this.expectedCommitteeSize = expectedCommitteeSize;
    }

    @Override
    public int expectedCommitteeSize() {
        return expectedCommitteeSize;
    }

    @Override
    public int votes(byte[] member, byte[] vrfProof, RoundId round) throws Refused {
        FleetLedger.Snapshot at = ledger.at(round.ledgerHead()).orElseThrow(() -> new Refused(QuorumCollector.Reason.WRONG_ROUND,
                "the round's ledger head is not on this ledger"));
        org.leo.consensus.ledger.LedgerRules.MemberState m = at.member(member).orElseThrow(() -> new Refused(QuorumCollector.Reason.UNKNOWN_MEMBER,
                QuorumCollector.Reason.UNKNOWN_MEMBER.sentence() + " at the round's ledger head"));
        if (at.totalCredit() < 1) {
            return 0; // a fleet without credit seats nobody
        }
        Alpha alpha = new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER);
        MemberSortition.Checked c = MemberSortition.votes(m.vrfKey(), vrfProof, alpha, m.credit(), at.totalCredit(), expectedCommitteeSize);
        if (c instanceof MemberSortition.Checked.Valid v) {
            return (int) Math.min(Integer.MAX_VALUE, v.votes());
        }
        throw new Refused(QuorumCollector.Reason.BAD_PROOF, "the VRF proof does not verify: " + ((MemberSortition.Checked.Invalid) c).reason());
    }
}
