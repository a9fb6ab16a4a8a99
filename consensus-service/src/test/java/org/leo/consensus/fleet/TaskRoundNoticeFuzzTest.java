package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.consensus.v1.TaskRoundNotice;

/**
 * Fuzzes a task round's notice as a peer sends it, through what the monitor does before it reads its ledger: the
 * protobuf parse, the caps, the round id and the round number. Nothing throws but the parse's own exception; a notice
 * within its caps always names a round; a task round's number round-trips through {@link TaskRound}.
 */
class TaskRoundNoticeFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzNotice(byte[] input) {
        TaskRoundNotice n;
        try {
            n = TaskRoundNotice.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        if (FleetLimits.problem(n).isPresent()) {
            return;
        }
        RoundId id = RoundId.decode(n.getRoundId().toByteArray());
        Optional<TaskRound> round = TaskRound.of(id.round());
        round.ifPresent(r -> assertThat(r.number()).isEqualTo(id.round()));
        assertThat(round.isPresent()).isEqualTo(TaskRound.isTaskRound(id.round()));
    }
}
