package org.leo.attest.appraise;

import java.util.List;
import java.util.function.Supplier;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * Appraises the (signature-checked, challenge-matched) evidence of one challenge against the HPC's
 * golden baseline and the policy. Every check the challenge asked for must have its result, in
 * order; a result the agent could not produce ({@code CheckError}) is a finding of its own.
 */
public final class Appraiser {
    private final Supplier<Policy> policy;
    private final DiskAppraisal disks;

    /** With a fixed policy. */
    public Appraiser(Policy policy) {
        this(() -> policy);
    }

    /** With the policy {@code policy} supplies at each use (it changes when the policy is reloaded). */
    public Appraiser(Supplier<Policy> policy) {
        this.policy = policy;
        this.disks = new DiskAppraisal(policy.get());
    }

    /**
     * A verdict for {@code body}, whatever it holds: a failure inside the appraisal (a case the
     * code did not foresee) is itself a finding, {@code appraisal.failed}, never an exception.
     */
    public Verdict appraise(String hpc, Challenge challenge, EvidenceBody body, Golden golden) {
        return appraise(hpc, challenge, body, golden, TaskExpectation.NONE);
    }

    /** As {@link #appraise(String, Challenge, EvidenceBody, Golden)}, the task-state check against {@code task}. */
    public Verdict appraise(String hpc, Challenge challenge, EvidenceBody body, Golden golden, TaskExpectation task) {
        Findings out = new Findings(hpc, policy.get());
        try {
            appraiseAll(challenge, body, golden, task, out);
        } catch (RuntimeException e) {
            out.add("appraiser", "appraisal.failed", "a verdict", e.getClass().getSimpleName(),
                    "the answer to challenge " + Long.toUnsignedString(challenge.getChallengeId()) + " could not be appraised: " + e);
        }
        return new Verdict(hpc, challenge.getChallengeId(), out.list());
    }

    private void appraiseAll(Challenge challenge, EvidenceBody body, Golden golden, TaskExpectation task, Findings out) {
        List<Check> asked = challenge.getChecksList();
        List<CheckResult> got = body.getResultsList();
        if (got.size() != asked.size()) {
            out.add("evidence", "evidence.incomplete", asked.size() + " results", got.size() + " results",
                    "the answer to challenge " + challenge.getChallengeId() + " has " + got.size() + " results for "
                            + asked.size() + " checks");
        }
        for (int i = 0; i < Math.min(asked.size(), got.size()); i++) {
            appraiseOne(asked.get(i), got.get(i), challenge, golden, task, out);
        }
    }

    private void appraiseOne(Check check, CheckResult result, Challenge challenge, Golden golden, TaskExpectation task, Findings out) {
        if (result.hasError()) {
            out.add("agent", "check.error", "", result.getError().getMessage(),
                    "the agent could not run check " + result.getError().getCheck() + ": " + result.getError().getMessage());
            if (check.hasTpmQuote() && golden.tpmQuote().isPresent()) {
                // The TPM quoted at enrollment: "could not" is how a swapped or removed TPM would answer.
                out.add("TPM", "tpm.quote.invalid", "a quote, as at enrollment", "an error",
                        "the HPC's TPM quoted at enrollment but not now: " + result.getError().getMessage());
            }
            return;
        }
        String mismatch = "result " + result.getKindCase() + " answers check " + check.getKindCase();
        switch (check.getKindCase()) {
            case OS -> {
                if (!result.hasOs()) {
                    out.add("evidence", "evidence.mismatched", check.getKindCase().name(), result.getKindCase().name(), mismatch);
                } else {
                    List<String> left = OsAppraisal.omitted(check.getOs(), result.getOs());
                    if (!left.isEmpty()) {
                        out.add("evidence", "evidence.incomplete", String.join(", ", left), "", "the OS result for challenge "
                                + Long.toUnsignedString(challenge.getChallengeId()) + " leaves out the " + String.join(", ", left) + " it was asked for");
                    }
                    OsAppraisal.appraise(check.getOs(), result.getOs(), golden, out);
                }
            }
            case HARDWARE -> {
                if (!result.hasHardware()) {
                    out.add("evidence", "evidence.mismatched", check.getKindCase().name(), result.getKindCase().name(), mismatch);
                } else {
                    HardwareAppraisal.appraise(result.getHardware(), golden, out);
                }
            }
            case NETWORK -> {
                if (!result.hasNetwork()) {
                    out.add("evidence", "evidence.mismatched", check.getKindCase().name(), result.getKindCase().name(), mismatch);
                } else {
                    NetworkAppraisal.appraise(result.getNetwork(), golden, out);
                }
            }
            case DISK_ROOT -> {
                if (!result.hasDiskRoot() || !result.getDiskRoot().getTarget().equals(check.getDiskRoot().getTarget())) {
                    out.add("evidence", "evidence.mismatched", check.getDiskRoot().getTarget(), result.getKindCase().name(), mismatch);
                } else {
                    disks.root(result.getDiskRoot(), golden, out);
                }
            }
            case DISK_SPOT -> {
                if (!result.hasDiskSpot() || !result.getDiskSpot().getTarget().equals(check.getDiskSpot().getTarget())) {
                    out.add("evidence", "evidence.mismatched", check.getDiskSpot().getTarget(), result.getKindCase().name(), mismatch);
                } else {
                    disks.spot(check.getDiskSpot(), result.getDiskSpot(), challenge.getNonce().toByteArray(), golden, out);
                }
            }
            case MEMORY -> {
                if (!result.hasMemory() || result.getMemory().getDigestsCount() != check.getMemory().getReadsCount()) {
                    out.add("evidence", "evidence.mismatched", check.getMemory().getReadsCount() + " reads",
                            result.getKindCase().name(), "memory result does not answer every read asked for");
                }
                // Keyed memory digests are recorded but not compared: the Pi holds no copy of the
                // HPC's memory (docs/trust-model.md). They prove the agent read memory after the nonce.
            }
            case TPM_QUOTE -> {
                if (!result.hasTpmQuote()) {
                    out.add("evidence", "evidence.mismatched", check.getKindCase().name(), result.getKindCase().name(), mismatch);
                } else {
                    TpmAppraisal.appraise(check.getTpmQuote().getPcrsList(), result.getTpmQuote(), challenge.getNonce().toByteArray(), golden, out);
                }
            }
            case TASK_STATE -> {
                if (!result.hasTaskState()) {
                    out.add("evidence", "evidence.mismatched", check.getKindCase().name(), result.getKindCase().name(), mismatch);
                } else {
                    TaskAppraisal.appraise(result.getTaskState(), golden.taskState(), task, out);
                }
            }
            case KIND_NOT_SET -> out.add("evidence", "evidence.mismatched", "a check", "nothing", "challenge had an empty check");
        }
    }
}
