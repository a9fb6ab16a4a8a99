package org.leo.attest.appraise;

import java.io.IOException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;

/**
 * Is a baseline answer fit to be the golden? Everything later is compared with the golden, so it is
 * checked when it is taken, never trusted as sent: every check of the baseline challenge answered
 * with its kind and without an error; the OS result with every part asked for, its command line
 * carrying this boot's nonce; devices only on the known buses; each disk root at the policy's chunk size, of a sane size, 32 bytes, and equal to
 * the root of the Pi's reference copy where the policy names one; a TPM quote over exactly the PCRs
 * asked, with the challenge nonce, verifying under the key it names. A baseline with problems is
 * refused ({@code baseline.invalid}) and the HPC is asked for a baseline again.
 */
public final class GoldenCheck {
    private final Supplier<Policy> policy;
    private final ReferenceRoots references;

    /** With a fixed policy. */
    public GoldenCheck(Policy policy, ReferenceRoots references) {
        this(() -> policy, references);
    }

    /** With the policy {@code policy} supplies at each use (it changes when the policy is reloaded). */
    public GoldenCheck(Supplier<Policy> policy, ReferenceRoots references) {
        this.policy = policy;
        this.references = references;
    }

    /** Every reason {@code body}, the answer to the baseline {@code challenge}, cannot be the golden of boot {@code bootNonce}. */
    public List<String> problems(Challenge challenge, EvidenceBody body, String bootNonce) {
        List<String> problems = new ArrayList<>();
        List<Check> asked = challenge.getChecksList();
        List<CheckResult> got = body.getResultsList();
        if (got.size() != asked.size()) {
            problems.add(got.size() + " results for " + asked.size() + " checks");
            return problems;
        }
        for (int i = 0; i < asked.size(); i++) {
            Check c = asked.get(i);
            CheckResult r = got.get(i);
            if (r.hasError()) {
                problems.add("check " + c.getKindCase() + " failed on the HPC: " + Printable.of(r.getError().getMessage()));
                continue;
            }
            if (r.getKindCase().getNumber() != c.getKindCase().getNumber()) {
                problems.add("result " + (i + 1) + " is " + r.getKindCase() + " for a " + c.getKindCase() + " check");
                continue;
            }
            switch (c.getKindCase()) {
                case OS -> {
                    if (!r.getOs().getKernelCmdlineIncluded()
                            || !org.leo.protocol.LeoCmdline.parse(r.getOs().getKernelCmdline()).nonce().equals(java.util.Optional.of(bootNonce))) {
                        problems.add("the kernel command line does not carry this boot's nonce");
                    }
                    List<String> left = OsAppraisal.omitted(c.getOs(), r.getOs());
                    if (!left.isEmpty()) { // a part missing from the golden would never be compared again
                        problems.add("the OS result leaves out the " + String.join(", ", left) + " it was asked for");
                    }
                }
                case HARDWARE -> r.getHardware().getDevicesList().stream().map(d -> d.getBus()).filter(b -> !FindingIds.BUSES.contains(b))
                        .findFirst().ifPresent(b -> problems.add("a device on unknown bus '" + Printable.of(b, 32) + "'"));
                case DISK_ROOT -> disk(c.getDiskRoot().getTarget(), r.getDiskRoot(), problems);
                case TASK_STATE -> taskState(r.getTaskState(), problems);
                case TPM_QUOTE -> tpm(c.getTpmQuote().getPcrsList(), challenge.getNonce().toByteArray(), r.getTpmQuote(), problems);
                default -> { }
            }
        }
        return problems;
    }

    private void disk(String target, DiskRootResult r, List<String> problems) {
        Policy.DiskTarget t = policy.get().disks().stream().filter(d -> d.hpcPath().equals(target)).findFirst().orElse(null);
        String name = "disk " + Printable.of(target);
        if (t == null || !r.getTarget().equals(target)) {
            problems.add(name + ": answered for " + Printable.of(r.getTarget()));
            return;
        }
        if (r.getChunkSize() != t.chunkSize()) {
            problems.add(name + ": chunk size " + Integer.toUnsignedString(r.getChunkSize()) + ", the policy's is " + t.chunkSize());
            return;
        }
        try {
            ChunkedFile.chunkCount(r.getSizeBytes(), t.chunkSize());
        } catch (IllegalArgumentException e) {
            problems.add(name + ": " + e.getMessage());
            return;
        }
        if (r.getRoot().size() != MerkleTree.HASH_LENGTH) {
            problems.add(name + ": a root of " + r.getRoot().size() + " bytes");
            return;
        }
        if (t.reference() != null) {
            try {
                ReferenceRoots.Root ref = references.of(t);
                if (ref.size() != r.getSizeBytes() || !Arrays.equals(ref.root(), r.getRoot().toByteArray())) {
                    HexFormat hex = HexFormat.of();
                    problems.add(name + " has Merkle root " + Findings.shortHex(hex.formatHex(r.getRoot().toByteArray())) + " over "
                            + r.getSizeBytes() + " bytes; the Pi's reference copy " + t.reference() + " has "
                            + Findings.shortHex(hex.formatHex(ref.root())) + " over " + ref.size() + " bytes");
                }
            } catch (IOException | IllegalArgumentException e) {
                problems.add(name + ": the reference copy " + t.reference() + " cannot be read: " + e.getMessage());
            }
        }
    }

    /**
     * A baseline's task state is of an idle HPC: what runs at the baseline would be "as booted" for good. What the agent
     * could not read ({@code task.collect-error}) does not refuse it: every later answer reports it again.
     */
    private static void taskState(org.leo.protocol.attest.v1.TaskStateResult t, List<String> problems) {
        Findings f = new Findings("-", Policy.defaults());
        TaskAppraisal.appraise(t, java.util.Optional.empty(), TaskExpectation.NONE, f);
        f.list().stream().filter(x -> !x.eventId().equals("task.collect-error"))
                .forEach(x -> problems.add("task state: " + x.sentence().substring("HPC -: ".length())));
    }

    private static void tpm(List<Integer> pcrs, byte[] nonce, TpmQuoteResult q, List<String> problems) {
        if (!q.getPcrsList().equals(pcrs)) {
            problems.add("the TPM quote covers PCRs " + q.getPcrsList().subList(0, Math.min(24, q.getPcrsCount())) + ", asked for " + pcrs);
            return;
        }
        PublicKey ak;
        try {
            ak = TpmAppraisal.attestationKey(q);
        } catch (Exception e) {
            problems.add("the TPM attestation key cannot be read: " + Printable.of(e.getMessage()));
            return;
        }
        Findings f = new Findings("-", Policy.defaults());
        TpmAppraisal.verify(ak, q, nonce, pcrs, null, f);
        f.list().forEach(x -> problems.add(x.sentence().substring("HPC -: ".length())));
    }
}
