package org.leo.consensus.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.leo.attest.appraise.Policy;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.consensus.v1.RelayAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A monitor's appraisal of the answer relayed in a task round, by phase (docs/tasks.md "Task rounds (built)").
 * <ul>
 * <li><b>ATTEST</b>: the full appraisal of scheduled rounds ({@link AnswerCheck}) against the HPC's latest
 *     reference values on the ledger now (not at the round's head, the group's entry: the HPC must be in the
 *     measured image now, whatever it booted since the group was elected). When TRUSTED, the monitor keeps the
 *     agent certificate's SHA-256 and the golden's boot nonce for the task's CLEANUP round (the last {@value #KEPT},
 *     {@link AttestedBoots}: on disk before the verdict is signed, so a monitor restarted between the two rounds still
 *     judges the clean-up; one that cannot record it signs UNTRUSTED, {@code attest.unrecorded}).</li>
 * <li><b>CLEANUP</b>: TRUSTED only for a fresh boot of the same measured image: the task has a TRUSTED ATTEST
 *     certificate on the ledger (entry A); the HPC's latest reference values were published after A (the Pi
 *     took a new baseline: the HPC booted again) with the same manifest and measured-boot digests as those the
 *     ATTEST round was appraised against; the full appraisal against those latest values passes; the agent
 *     certificate is not the one this monitor saw in the ATTEST round (a new in-RAM key after the power-cycle) and
 *     the golden's boot nonce is not that round's (the agent renews its key within a boot, so the key alone does
 *     not show a boot; a new nonce on the kernel command line does); and the {@link CleanupEvidenceCheck} finds
 *     nothing of the task left. Otherwise UNTRUSTED, every reason logged: {@code cleanup.no_attest_certificate},
 *     {@code cleanup.no_fresh_boot}, {@code cleanup.other_image}, {@code cleanup.no_attest_record},
 *     {@code cleanup.same_agent_key}, {@code cleanup.same_boot_nonce}, and the check's own.</li>
 * </ul>
 * The ledger is read from the group's entry to the head once per round (a monitor takes part in a round once).
 */
final class TaskAppraisal {
    private static final Logger LOG = LoggerFactory.getLogger(TaskAppraisal.class);
    static final int KEPT = 4096;
    private static final int PAGE = 10_000;

    private final FleetLedger ledger;
    private final Policy policy;
    private volatile CleanupEvidenceCheck cleanup = CleanupEvidenceCheck.TASK_STATE;
    /** The boots this monitor appraised TRUSTED in ATTEST rounds, by task and HPC (durable when the node has a data directory). */
    private final AttestedBoots attested;

    TaskAppraisal(FleetLedger ledger, Policy policy, AttestedBoots attested) {
        this.ledger = ledger;
        this.policy = policy;
        this.attested = attested;
    }

    void useCleanupCheck(CleanupEvidenceCheck check) {
        this.cleanup = check;
    }

    /** The appraisal of {@code a}, the answer to {@code nonce} in task round {@code id} of committee {@code c}, relayed by {@code pi}. */
    AnswerCheck.Appraisal appraise(TaskCommittee c, RoundId id, RelayAnswer a, byte[] nonce, PeerList.Peer pi, Instant now) {
        TaskRound round = TaskRound.of(id.round()).orElseThrow();
        AnswerCheck.Appraisal out = round.phase() == TaskRound.Phase.ATTEST ? attest(c, id, a, nonce, pi, now) : cleanup(c, id, a, nonce, pi, now);
        if (out.outcome() == Verdict.Outcome.UNTRUSTED) {
            LOG.warn("consensus: {} of HPC {}: UNTRUSTED: {}; problems {}", round, id.hpc(), out.summary(), out.problems());
        }
        return out;
    }

    private AnswerCheck.Appraisal attest(TaskCommittee c, RoundId id, RelayAnswer a, byte[] nonce, PeerList.Peer pi, Instant now) {
        // the values at the ledger's head entry, read from it (no search for the head's hash)
        Optional<LedgerRecord.ReferenceValues> latest = ledger.ledger().head().map(ledger::atEntry).flatMap(s -> s.referenceValues(id.hpc()));
        AnswerCheck.Appraisal out = AnswerCheck.of(a, nonce, id.hpc(), pi, latest, policy, now);
        if (out.outcome() == Verdict.Outcome.TRUSTED) {
            try {
                attested.put(c.taskSeq(), id.hpc(), new AttestedBoots.Seen(agentSha256(a), ReferenceAppraisal.bootNonce(a).orElse("")));
            } catch (IOException | IllegalArgumentException e) {
                // without the record the clean-up could not be judged: no TRUSTED verdict this monitor cannot follow up
                String why = "attest.unrecorded: this monitor could not record the boot it appraised (" + e.getMessage() + "): it could not judge the clean-up";
                return new AnswerCheck.Appraisal(Verdict.Outcome.UNTRUSTED, out.evidenceSha256(), List.of(why), out.findings(), why);
            }
        }
        return out;
    }

    private static byte[] agentSha256(RelayAnswer a) {
        return Sha256.newDigest().digest(a.getAgentCertificateChainDer(0).toByteArray());
    }

    /** What the ledger says of the task's HPC after its group: the ATTEST certificate's entry and values, and the latest values. */
    private record Boots(long attestSeq, LedgerRecord.ReferenceValues attestValues, long latestSeq, LedgerRecord.ReferenceValues latest) { }

    private Boots boots(TaskCommittee c, MacAddress hpc) {
        LedgerRecord.ReferenceValues latest = ledger.atEntry(c.group()).referenceValues(hpc).orElse(null);
        long latestSeq = -1; // published before the group
        long attestSeq = -1;
        LedgerRecord.ReferenceValues attestValues = null;
        for (long from = c.group().seq() + 1; ; ) {
            List<LedgerEntry> page = ledger.ledger().entries(from, PAGE);
            for (LedgerEntry e : page) {
                if (e.record() instanceof LedgerRecord.ReferenceValues r && r.hpc().equals(hpc)) {
                    latest = r;
                    latestSeq = e.seq();
                } else if (e.record() instanceof LedgerRecord.CertificateRecorded r && attestOf(c, hpc, r)) {
                    attestSeq = e.seq();
                    attestValues = latest;
                }
            }
            if (page.size() < PAGE) {
                return new Boots(attestSeq, attestValues, latestSeq, latest);
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
    }

    /** A TRUSTED certificate of one of the task's ATTEST rounds of {@code hpc}. */
    private static boolean attestOf(TaskCommittee c, MacAddress hpc, LedgerRecord.CertificateRecorded r) {
        RoundId id = r.certificate().round();
        return r.certificate().outcome() == Verdict.Outcome.TRUSTED && id.hpc().equals(hpc) && Arrays.equals(id.ledgerHead(), c.group().hash())
                && TaskRound.of(id.round()).filter(t -> t.taskSeq() == c.taskSeq() && t.phase() == TaskRound.Phase.ATTEST).isPresent();
    }

    private AnswerCheck.Appraisal cleanup(TaskCommittee c, RoundId id, RelayAnswer a, byte[] nonce, PeerList.Peer pi, Instant now) {
        HexFormat hex = HexFormat.of();
        Boots b = boots(c, id.hpc());
        List<String> problems = new ArrayList<>();
        if (b.attestSeq() < 0 || b.attestValues() == null) {
            problems.add("cleanup.no_attest_certificate: the ledger has no TRUSTED certificate of task #" + c.taskSeq() + "'s ATTEST round of HPC "
                    + id.hpc());
        } else {
            if (b.latestSeq() <= b.attestSeq()) {
                problems.add("cleanup.no_fresh_boot: the latest reference values of HPC " + id.hpc() + " (" + (b.latestSeq() < 0
                        ? "published before the task's group" : "entry #" + b.latestSeq()) + ") are not newer than the task's ATTEST certificate"
                        + " (entry #" + b.attestSeq() + "): the HPC has not booted again since");
            }
            if (!Arrays.equals(b.latest().manifestSha256(), b.attestValues().manifestSha256())
                    || !Arrays.equals(b.latest().measuredBootSha256(), b.attestValues().measuredBootSha256())) {
                problems.add("cleanup.other_image: the latest reference values name manifest " + hex.formatHex(b.latest().manifestSha256())
                        + " and measured boot " + hex.formatHex(b.latest().measuredBootSha256()) + ", the ATTEST round's "
                        + hex.formatHex(b.attestValues().manifestSha256()) + " and " + hex.formatHex(b.attestValues().measuredBootSha256()));
            }
        }
        AnswerCheck.Appraisal full = AnswerCheck.of(a, nonce, id.hpc(), pi, Optional.ofNullable(b.latest()), policy, now);
        if (full.outcome() == Verdict.Outcome.TRUSTED) {
            AttestedBoots.Seen before = attested.get(c.taskSeq(), id.hpc()).orElse(null);
            if (before == null) {
                problems.add("cleanup.no_attest_record: this monitor has no record of the boot it appraised in task #" + c.taskSeq()
                        + "'s ATTEST round (it did not appraise it TRUSTED, or restarted since)");
            } else {
                if (Arrays.equals(before.agentSha256(), agentSha256(a))) {
                    problems.add("cleanup.same_agent_key: the agent certificate is the one of the ATTEST round: the HPC was not power-cycled");
                }
                if (ReferenceAppraisal.bootNonce(a).orElse("").equals(before.bootNonce())) {
                    problems.add("cleanup.same_boot_nonce: the golden's command line carries the ATTEST round's boot nonce " + before.bootNonce()
                            + ": the HPC did not boot again through its Pi");
                }
            }
            try {
                problems.addAll(cleanup.problems(EvidenceBody.parseFrom(a.getEvidence().getBody())));
            } catch (InvalidProtocolBufferException e) {
                problems.add("relay.evidence.malformed: " + e.getMessage()); // the full appraisal parsed it: not reached
            }
        }
        if (problems.isEmpty() && full.outcome() == Verdict.Outcome.TRUSTED) {
            return new AnswerCheck.Appraisal(Verdict.Outcome.TRUSTED, full.evidenceSha256(), List.of(), List.of(),
                    "a fresh boot of the same measured image: reference values of entry #" + b.latestSeq() + " after the ATTEST certificate #"
                            + b.attestSeq() + ", a new boot nonce and agent key, nothing of the task found; " + full.summary());
        }
        problems.addAll(full.problems());
        String summary = problems.isEmpty() ? full.summary() : problems.get(0) + (problems.size() > 1 ? " (and more)" : "");
        return new AnswerCheck.Appraisal(Verdict.Outcome.UNTRUSTED, full.evidenceSha256(), problems, full.findings(), summary);
    }
}
