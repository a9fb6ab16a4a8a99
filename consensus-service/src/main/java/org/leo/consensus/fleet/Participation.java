package org.leo.consensus.fleet;

import java.util.Optional;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * One member's part in one round: the votes its draw gave (0: not selected, nothing else happened),
 * and when selected its appraisal of the relayed answer, the verdict it signed and what the HPC's Pi
 * answered when it offered it.
 */
public record Participation(RoundId round, long votes, Optional<AnswerCheck.Appraisal> appraisal, Optional<Verdict> verdict,
                            Optional<VerdictResponse> answer) {
    static Participation notSelected(RoundId round) {
        return new Participation(round, 0, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public boolean selected() {
        return votes > 0;
    }
}
