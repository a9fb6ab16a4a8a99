package org.leo.consensus.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.attest.appraise.Appraiser;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.TaskExpectation;
import org.leo.attest.server.Limits;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.LeoCmdline;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * A verifier's own appraisal of relayed evidence: against the golden baseline whose digest the ledger
 * publishes for the HPC at the round's head ({@code ReferenceValues}), with the attestation server's own
 * {@link Appraiser} and the verifier's {@link Policy}. Before appraising, every check runs and every
 * failure is a problem with an id:
 * <ol>
 * <li>{@code relay.golden.unpublished}: the ledger has no reference values for the HPC at that head;</li>
 * <li>{@code relay.golden.mismatch}: the relayed golden's SHA-256 is not the published golden digest
 *     (a Pi that swapped its baseline);</li>
 * <li>{@code relay.golden.bad_signature}: the golden is not signed by the agent certificate's key, the
 *     one that signed the evidence (so it is this boot's);</li>
 * <li>{@code relay.golden.malformed}: the golden does not parse, is over the attestation server's
 *     caps, or lacks what every baseline has: the OS result with the boot nonce on its command line,
 *     the hardware and the network result;</li>
 * <li>{@code relay.challenge.wrong_nonce}: the relayed challenge does not carry the verifier's nonce;</li>
 * <li>{@code relay.challenge.mismatched}: the evidence answers another challenge;</li>
 * <li>{@code relay.challenge.incomplete}: the challenge does not ask for a full check: the OS with all
 *     four parts, the hardware, the network, and each disk root, the TPM quote and the task state the golden
 *     has (a Pi could otherwise leave out the check that would find the change);</li>
 * <li>{@code relay.oversized}: the evidence is over the attestation server's caps.</li>
 * </ol>
 * Only an answer with no problem, here or in the relay's own checks ({@link AnswerCheck}), is
 * appraised ({@link #findings}), and then every finding counts, whatever its severity (as the Pi's
 * {@code findings=N} counts them).
 *
 * <p>What the verifier does not reproduce, because it is the HPC's Pi's local state: that the boot
 * nonce on the golden's command line is the one the Pi enrolled (the verifier takes it from the golden
 * and checks the evidence is of the same boot); the enrollment itself (measured boot against the
 * manifest's UKI measurements, the HPC's EK); a disk root's comparison with the Pi's reference copy
 * ({@code disk.NAME.reference}, at the golden's check); and the Pi's policy, whose ignore lists and disk
 * targets may differ from the verifier's. The golden itself is the Pi's choice: a Pi that publishes
 * the golden of a boot already tampered with (at enrollment, or any later full answer of the same
 * boot) is not caught here (docs/consensus.md, "Gaps, stated").
 */
final class ReferenceAppraisal {
    private ReferenceAppraisal() {
    }

    /**
     * Every problem of the golden and the challenge of answer {@code a} for {@code nonce}, whose evidence body is
     * {@code body} (null: it did not parse, already a problem) signed by {@code agent} (null: the certificate did not
     * check, already a problem).
     */
    static List<String> problems(RelayAnswer a, EvidenceBody body, byte[] nonce, MacAddress hpc, X509Certificate agent,
                                 Optional<LedgerRecord.ReferenceValues> published) {
        HexFormat hex = HexFormat.of();
        List<String> problems = new ArrayList<>();
        byte[] goldenBytes = a.getGolden().getBody().toByteArray();
        byte[] goldenSha256 = Sha256.newDigest().digest(goldenBytes);
        if (published.isEmpty()) {
            problems.add("relay.golden.unpublished: the ledger publishes no reference values for HPC " + hpc + " at the round's head");
        } else if (!Arrays.equals(goldenSha256, published.get().goldenSha256())) {
            problems.add("relay.golden.mismatch: the relayed golden has SHA-256 " + hex.formatHex(goldenSha256) + ", the ledger publishes "
                    + hex.formatHex(published.get().goldenSha256()));
        }
        if (agent != null && !EvidenceSignature.verify(agent.getPublicKey(), goldenBytes, a.getGolden().getSignature().toByteArray())) {
            problems.add("relay.golden.bad_signature: the golden is not signed by the agent certificate's key");
        }
        Golden golden = golden(hpc, goldenBytes, problems);

        Challenge challenge = a.getChallenge();
        if (!Arrays.equals(challenge.getNonce().toByteArray(), nonce)) {
            problems.add("relay.challenge.wrong_nonce: the relayed challenge carries nonce " + hex.formatHex(challenge.getNonce().toByteArray())
                    + ", not " + hex.formatHex(nonce));
        }
        if (body != null && body.getChallengeId() != challenge.getChallengeId()) {
            problems.add("relay.challenge.mismatched: the evidence answers challenge " + Long.toUnsignedString(body.getChallengeId())
                    + ", the relayed challenge is " + Long.toUnsignedString(challenge.getChallengeId()));
        }
        if (golden != null) {
            List<String> left = omitted(challenge, golden);
            if (!left.isEmpty()) {
                problems.add("relay.challenge.incomplete: the relayed challenge does not ask for " + String.join(", ", left));
            }
        }
        Optional<String> over = body == null ? Optional.empty() : Limits.problem(body);
        over.ifPresent(o -> problems.add("relay.oversized: " + o));
        return problems;
    }

    /**
     * The verifier's own findings on {@code body}, the evidence of answer {@code a}: the attestation server's
     * {@link Appraiser} with {@code policy} over the relayed challenge, the evidence and the relayed golden. Only for an
     * answer without a problem (every check above and the relay's own passed): the golden and the challenge are then
     * the published ones for this nonce.
     */
    static List<Finding> findings(RelayAnswer a, EvidenceBody body, MacAddress hpc, TaskExpectation task, Policy policy) {
        List<String> problems = new ArrayList<>();
        Golden golden = golden(hpc, a.getGolden().getBody().toByteArray(), problems);
        if (golden == null) {
            throw new IllegalStateException("appraising against a golden with problems: " + problems);
        }
        return new Appraiser(policy).appraise(hpc.toString(), a.getChallenge(), body, golden, task).findings();
    }

    /** The golden as the appraiser takes it, its boot nonce from its own command line; null (and a problem) if it is not one. */
    private static Golden golden(MacAddress hpc, byte[] bytes, List<String> problems) {
        EvidenceBody g;
        try {
            g = EvidenceBody.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            problems.add("relay.golden.malformed: the golden does not parse: " + e.getMessage());
            return null;
        }
        Optional<String> over = Limits.problem(g);
        if (over.isPresent()) {
            problems.add("relay.golden.malformed: the golden " + over.get().substring("evidence ".length()));
            return null;
        }
        Golden golden = new Golden(hpc.toString(), "", g);
        Optional<String> boot = golden.os().filter(OsResult::getKernelCmdlineIncluded).flatMap(os -> LeoCmdline.parse(os.getKernelCmdline()).nonce());
        List<String> lacks = new ArrayList<>();
        if (boot.isEmpty()) {
            lacks.add("an OS result whose command line carries the boot nonce");
        }
        if (golden.hardware().isEmpty()) {
            lacks.add("a hardware result");
        }
        if (golden.network().isEmpty()) {
            lacks.add("a network result");
        }
        if (!lacks.isEmpty()) {
            problems.add("relay.golden.malformed: the golden lacks " + String.join(", ", lacks));
            return null;
        }
        return new Golden(hpc.toString(), boot.get(), g);
    }

    /** The boot nonce on the command line of answer {@code a}'s golden, if it has one (a sound answer's golden has). */
    static Optional<String> bootNonce(RelayAnswer a) {
        try {
            EvidenceBody g = EvidenceBody.parseFrom(a.getGolden().getBody());
            return new Golden("", "", g).os().filter(OsResult::getKernelCmdlineIncluded).flatMap(os -> LeoCmdline.parse(os.getKernelCmdline()).nonce());
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    /** What a full challenge asks that {@code c} does not, for an HPC whose golden is {@code golden}. */
    static List<String> omitted(Challenge c, Golden golden) {
        List<Check> checks = c.getChecksList();
        List<String> left = new ArrayList<>();
        if (checks.stream().filter(Check::hasOs).map(Check::getOs).noneMatch(ReferenceAppraisal::full)) {
            left.add("the OS with its root file system, processes, modules and command line");
        }
        if (checks.stream().noneMatch(Check::hasHardware)) {
            left.add("the hardware");
        }
        if (checks.stream().noneMatch(Check::hasNetwork)) {
            left.add("the network");
        }
        for (String target : golden.diskRoots().keySet()) {
            if (checks.stream().noneMatch(k -> k.hasDiskRoot() && k.getDiskRoot().getTarget().equals(target))) {
                left.add("the root of disk " + target);
            }
        }
        if (golden.taskState().isPresent() && checks.stream().noneMatch(Check::hasTaskState)) {
            left.add("the task state");
        }
        golden.tpmQuote().ifPresent(q -> {
            if (checks.stream().noneMatch(k -> k.hasTpmQuote() && k.getTpmQuote().getPcrsList().equals(q.getPcrsList()))) {
                left.add("a TPM quote of PCRs " + q.getPcrsList());
            }
        });
        return left;
    }

    private static boolean full(OsCheck os) {
        return os.getRootFilesystem() && os.getProcesses() && os.getModules() && os.getKernelCmdline();
    }
}
