package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;

/**
 * Task rounds on a lab fleet of seven Pis (real gRPC with mutual TLS, a real agent and attestation server, a swtpm as
 * the Pi's TPM): a task whose group, elected from the members' real draws, has node 0 (the HPC's Pi) as executor and
 * some of the other nodes as monitors. The executor's Pi opens the round and tells the monitors; they challenge the HPC
 * through it with their claims' votes and proofs and sign; the certificate is recorded on the ledger.
 */
@Tag("system")
class TaskRoundTest {
    static final int N = 7;
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A lab fleet and its task: the group entry, its committee, the monitors' and the outsiders' node numbers. */
    record TaskFleet(LabFleet f, LedgerEntry group, TaskCommittee committee, List<Integer> monitors, List<Integer> outsiders) {
        static TaskFleet start(Path tmp) throws Exception {
            LabFleet f = new LabFleet(tmp, N, FleetRoundTest.TAU, T);
            LedgerEntry group = TaskRoundLab.group(f.ledger, N, TaskRoundLab.executorZeroWithOutsiders(N));
            TaskCommittee c = TaskCommittee.of(f.hpcPiNode().ledger(), group);
            List<Integer> monitors = TaskRoundLab.monitors(c, N);
            List<Integer> outsiders = IntStream.range(1, N).filter(i -> !monitors.contains(i)).boxed().toList();
            System.out.println("task #" + c.taskSeq() + ": executor node 0, monitors " + monitors + " with " + c.expectedCommitteeSize()
                    + " vote(s), outsiders " + outsiders);
            return new TaskFleet(f, group, c, monitors, outsiders);
        }

        long task() {
            return committee.taskSeq();
        }

        ConsensusNode node(int i) {
            return f.nodes.get(i);
        }

        /** The executor's Pi opens {@code round}; every monitor accepts the notice and takes part; their parts, in monitor order. */
        List<Participation> run(TaskRound round) throws Exception {
            TaskRounds.Opened o = f.hpcPiNode().openTaskRound(round, LabFleet.HPC);
            assertThat(o.told()).as("every monitor was told").hasSize(monitors.size()).allSatisfy((m, said) -> assertThat(said).isEqualTo("accepted"));
            List<Participation> ps = new ArrayList<>();
            for (int i : monitors) {
                ps.add(node(i).taskPart(o.round()).orElseThrow().get(LabFleet.WAIT.toSeconds(), TimeUnit.SECONDS));
            }
            return ps;
        }

        /** Closes {@code round} on the executor's Pi: its certificate, recorded on the ledger, signed by every monitor. */
        QuorumCertificate closeAndCheck(RoundId round, Verdict.Outcome outcome) {
            Rounds.Closed closed = f.hpcPiNode().closeRound(round);
            QuorumCertificate cert = closed.certificate().orElseThrow();
            assertThat(cert.outcome()).isEqualTo(outcome);
            if (outcome == Verdict.Outcome.TRUSTED) {
                assertThat(cert.verdicts()).extracting(Verdict::memberHex).as("signed by the monitors only, each of them")
                        .containsExactlyInAnyOrderElementsOf(committee.monitors());
                assertThat(cert.votes()).isEqualTo(committee.expectedCommitteeSize());
            } else { // final, and recorded, as soon as it has its votes
                assertThat(cert.verdicts()).extracting(Verdict::memberHex).as("signed by monitors only").isSubsetOf(committee.monitors());
                assertThat(cert.votes()).isGreaterThanOrEqualTo(QuorumCertificate.threshold(outcome, committee.expectedCommitteeSize()));
            }
            assertThat(cert.problem(committee.expectedCommitteeSize(), committee)).as("anyone re-verifies it against the group").isEmpty();
            LedgerEntry entry = closed.entry().orElseThrow();
            assertThat(((LedgerRecord.CertificateRecorded) f.ledger.entries(entry.seq(), 1).get(0).record()).certificate()).isEqualTo(cert);
            return cert;
        }

        RoundId id(TaskRound round) {
            return round.roundId(group.hash(), LabFleet.HPC);
        }
    }

    @Test
    void anAttestRoundIsCertifiedByTheMonitorsAndACleanupRoundAfterAPowerCycleToo() throws Exception {
        TaskFleet t = TaskFleet.start(tmp);
        try (LabFleet f = t.f()) {
            TaskRound attest = new TaskRound(t.task(), TaskRound.Phase.ATTEST, 0);
            for (Participation p : t.run(attest)) {
                assertThat(p.appraisal().orElseThrow().problems()).isEmpty();
                assertThat(p.appraisal().orElseThrow().outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
                assertThat(p.votes()).isEqualTo(t.committee().votesOf(p.verdict().orElseThrow().memberHex()));
                assertThat(p.answer().orElseThrow().getCounted()).isTrue();
            }
            t.closeAndCheck(t.id(attest), Verdict.Outcome.TRUSTED);
            try (RoundJournal journal = RoundJournal.open(tmp.resolve("rounds.db"))) {
                assertThat(journal.read().closed()).extracting(RoundJournal.ClosedRow::id).as("the executor's Pi journaled it").contains(t.id(attest));
            }

            LedgerEntry fresh = f.powerCycle();
            System.out.println("power-cycled: the new boot's reference values are ledger entry #" + fresh.seq());
            TaskRound cleanup = new TaskRound(t.task(), TaskRound.Phase.CLEANUP, 0);
            for (Participation p : t.run(cleanup)) {
                AnswerCheck.Appraisal a = p.appraisal().orElseThrow();
                assertThat(a.problems()).isEmpty();
                assertThat(a.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
                assertThat(a.summary()).startsWith("a fresh boot of the same measured image: reference values of entry #" + fresh.seq());
            }
            t.closeAndCheck(t.id(cleanup), Verdict.Outcome.TRUSTED);
            assertThat(f.hpcPiNode().refusals().registry().find(Refusals.COUNTER).counters()).as("nothing refused").isEmpty();
        }
    }

    @Test
    void aCleanupRoundWithoutThePowerCycleIsUntrustedAndTheNextAttemptAfterItIsTrusted() throws Exception {
        TaskFleet t = TaskFleet.start(tmp);
        try (LabFleet f = t.f()) {
            TaskRound attest = new TaskRound(t.task(), TaskRound.Phase.ATTEST, 0);
            t.run(attest);
            long attestSeq = f.hpcPiNode().closeRound(t.id(attest)).entry().orElseThrow().seq();
            TaskRound cleanup = new TaskRound(t.task(), TaskRound.Phase.CLEANUP, 0);
            int judged = 0;
            for (Participation p : t.run(cleanup)) {
                AnswerCheck.Appraisal a = p.appraisal().orElseThrow();
                assertThat(a.outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
                if (a.problems().size() == 1 && a.problems().get(0).startsWith("relay.no_answer: ") && a.problems().get(0).contains("(ROUND_CLOSED)")) {
                    // UNTRUSTED is final as soon as it has its votes: the round closed before this (slower) monitor challenged
                    System.out.println("a monitor came after UNTRUSTED was final: " + a.problems());
                    continue;
                }
                assertThat(a.problems()).anySatisfy(x -> assertThat(x).startsWith("cleanup.no_fresh_boot: ").contains("(entry #" + attestSeq + ")"))
                        .anySatisfy(x -> assertThat(x).startsWith("cleanup.same_agent_key: "))
                        .anySatisfy(x -> assertThat(x).startsWith("cleanup.same_boot_nonce: "));
                System.out.println("a monitor signed UNTRUSTED: " + a.problems());
                judged++;
            }
            assertThat(judged).as("monitors that saw the HPC's answer and judged it").isPositive();
            t.closeAndCheck(t.id(cleanup), Verdict.Outcome.UNTRUSTED);

            // the round did not certify TRUSTED: once the HPC is power-cycled, the next attempt does
            f.powerCycle();
            TaskRound again = new TaskRound(t.task(), TaskRound.Phase.CLEANUP, 1);
            assertThat(t.run(again)).allSatisfy(p -> assertThat(p.appraisal().orElseThrow().outcome()).isEqualTo(Verdict.Outcome.TRUSTED));
            t.closeAndCheck(t.id(again), Verdict.Outcome.TRUSTED);
        }
    }

    private static ChallengeRequest challenge(RoundId id, ConsensusNode who, long votes, byte[] proof) {
        return ChallengeRequest.newBuilder().setRoundId(ByteString.copyFrom(id.encode())).setMemberKey(ByteString.copyFrom(who.keys().member()))
                .setVotes((int) votes).setVrfProof(ByteString.copyFrom(proof)).setNonce(ByteString.copyFrom(Lab.sha256("nonce"))).build();
    }

    private static TaskRoundNotice notice(RoundId id, long groupSeq) {
        return TaskRoundNotice.newBuilder().setRoundId(ByteString.copyFrom(id.encode())).setGroupSeq(groupSeq).build();
    }

    @Test
    void strangersInflatedVotesUnopenedRoundsAndFalseNoticesAreRefusedAndCounted() throws Exception {
        TaskFleet t = TaskFleet.start(tmp);
        try (LabFleet f = t.f()) {
            ConsensusNode pi = f.hpcPiNode();
            ConsensusNode monitor = t.node(t.monitors().get(0));
            ConsensusNode other = t.node(t.monitors().get(1));
            ConsensusNode outsider = t.node(t.outsiders().get(0));
            long votes = t.committee().votesOf(monitor.keys().memberHex());
            byte[] proof = t.committee().proofOf(monitor.keys().memberHex()).orElseThrow();
            TaskRound attest = new TaskRound(t.task(), TaskRound.Phase.ATTEST, 0);
            RoundId id = t.id(attest);

            ChallengeResponse early = monitor.client(f.hpcPi()).challenge(challenge(id, monitor, votes, proof), T);
            assertThat(early.getRefused().getReason()).as(early.toString()).isEqualTo("TASK_ROUND_NOT_OPEN");

            // the executor's Pi tells an outsider (its member is no monitor); a monitor tells another as if it were the executor
            TaskRoundNoticeResponse toOutsider = pi.client(f.peers.member(outsider.keys().member()).orElseThrow())
                    .taskRoundOpened(notice(id, t.group().seq()), T);
            assertThat(toOutsider.getRefused().getReason()).as(toOutsider.toString()).isEqualTo("NOT_A_MONITOR");
            TaskRoundNoticeResponse fromMonitor = monitor.client(f.peers.member(other.keys().member()).orElseThrow())
                    .taskRoundOpened(notice(id, t.group().seq()), T);
            assertThat(fromMonitor.getRefused().getReason()).as(fromMonitor.toString()).isEqualTo("NOT_THE_EXECUTOR");
            TaskRoundNoticeResponse wrongGroup = pi.client(f.peers.member(other.keys().member()).orElseThrow())
                    .taskRoundOpened(notice(id, t.group().seq() - 1), T);
            assertThat(wrongGroup.getRefused().getReason()).as(wrongGroup.toString()).isEqualTo("UNKNOWN_TASK_ROUND");
            TaskRoundNoticeResponse scheduled = pi.client(f.peers.member(other.keys().member()).orElseThrow())
                    .taskRoundOpened(notice(new RoundId(t.group().hash(), LabFleet.HPC, 7), t.group().seq()), T);
            assertThat(scheduled.getRefused().getReason()).as(scheduled.toString()).isEqualTo("NOT_A_TASK_ROUND");
            assertThat(outsider.refusals().count("NOT_A_MONITOR")).isEqualTo(1);
            assertThat(other.refusals().count("NOT_THE_EXECUTOR")).isEqualTo(1);

            List<Participation> honest = t.run(attest);
            assertThat(honest).allSatisfy(p -> assertThat(p.appraisal().orElseThrow().outcome()).isEqualTo(Verdict.Outcome.TRUSTED));
            TaskRoundNoticeResponse again = pi.client(f.peers.member(monitor.keys().member()).orElseThrow())
                    .taskRoundOpened(notice(id, t.group().seq()), T);
            assertThat(again.getRefused().getReason()).as("one take-part per round").isEqualTo("REPEATED_NOTICE");

            // the round is open: an outsider with a monitor's proof, a monitor claiming one vote more than its claim
            ChallengeResponse stranger = outsider.client(f.hpcPi()).challenge(challenge(id, outsider, votes, proof), T);
            assertThat(stranger.getRefused().getReason()).as(stranger.toString()).isEqualTo("NOT_A_MONITOR");
            ChallengeResponse inflated = monitor.client(f.hpcPi()).challenge(challenge(id, monitor, votes + 1, proof), T);
            assertThat(inflated.getRefused().getReason()).as(inflated.toString()).isEqualTo("INFLATED_VOTES");
            Verdict outsiders = outsider.keys().sign(id, (int) votes, proof, Verdict.Outcome.UNTRUSTED, Lab.sha256("made up"));
            assertThat(pi.offer(f.hpcPi(), outsiders).getRefused().getReason()).as("an outsider's verdict").isEqualTo("NOT_SELECTED");
            assertThat(pi.refusals().count("TASK_ROUND_NOT_OPEN")).isEqualTo(1);
            assertThat(pi.refusals().count("NOT_A_MONITOR")).isEqualTo(1);
            assertThat(pi.refusals().count("INFLATED_VOTES")).isEqualTo(1);

            t.closeAndCheck(id, Verdict.Outcome.TRUSTED);
            assertThat(monitor.client(f.hpcPi()).challenge(challenge(id, monitor, votes, proof), T).getRefused().getReason())
                    .as("a closed task round").isEqualTo("ROUND_CLOSED");
            // Scheduled rounds go on, and now appraise the HPC's task state against the ledger: from the task's TRUSTED ATTEST
            // certificate to its CLEANUP one the HPC may hold the task's image and container. This lab HPC's agent has no
            // engine at all, which for an HPC that was given a task is itself a finding: every verifier reports it.
            assertThat(pi.ledger().now().taskOn(LabFleet.HPC)).as("the ledger says the HPC holds the task").isPresent();
            RoundId afterwards = f.roundWhere(v -> LabFleet.sum(v, 1, N) >= FleetRoundTest.TRUSTED);
            List<Participation> during = f.run(afterwards, f.nodes);
            assertThat(pi.closeRound(afterwards).certificate().orElseThrow().outcome()).as("a scheduled round during the task")
                    .isEqualTo(Verdict.Outcome.UNTRUSTED);
            assertThat(during).filteredOn(p -> p.appraisal().isPresent()).isNotEmpty()
                    .allSatisfy(p -> assertThat(p.appraisal().orElseThrow().findings()).anyMatch(x -> x.startsWith("task.engine-missing")));
        }
    }
}
