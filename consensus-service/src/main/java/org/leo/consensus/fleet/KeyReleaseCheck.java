package org.leo.consensus.fleet;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleHeader;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;

/**
 * A capsule owner's Pi's checks of a key release request (docs/tasks.md "Key release"), in order, the first failure
 * being the answer; each check and what it proves:
 * <ol>
 * <li>caps ({@link TaskLimits}): {@code OVERSIZED};</li>
 * <li>the task is a TaskSubmitted entry ({@code UNKNOWN_TASK}); the group entry is its GroupElected ({@code NO_GROUP});</li>
 * <li>the TLS peer is the executor {@link TaskElection} re-elects from the GroupElected record with the members and credit
 *     at the task's entry ({@code NOT_EXECUTOR}): a replayed request or election proof from another Pi fails here;</li>
 * <li>the capsule is a data capsule of the task owned by this Pi, or the code capsule of the task's service authored by
 *     this Pi, and this Pi holds its wrapped key ({@code NOT_TASK_CAPSULE});</li>
 * <li>the certificate entry is a CertificateRecorded after the group, TRUSTED, whose round is {@link TaskRound}(task,
 *     ATTEST, any attempt) drawn at the GroupElected entry's hash, of an HPC the peer list lists for the executor's Pi
 *     ({@code WRONG_CERTIFICATE});</li>
 * <li>freshness: no later certificate of the task is on the ledger (a later attempt or a CLEANUP round supersedes it),
 *     and this Pi saw it appear at most {@code freshness} ago ({@code STALE_CERTIFICATE});</li>
 * <li>its verdicts are the group's monitors', each with exactly the votes and VRF proof of its claim in GroupElected,
 *     signatures valid, and their votes reach {@link QuorumCertificate#threshold}(TRUSTED, the monitors' votes summed)
 *     ({@code BAD_VERDICTS});</li>
 * <li>the agent certificate chains to the CA the peer list pins for the executor's Pi, is valid now and names the
 *     certificate's HPC ({@code BAD_AGENT_CERTIFICATE}, {@link AgentChain});</li>
 * <li>SHA-256 of the evidence body is the evidence digest of one of the TRUSTED verdicts (a monitor judged exactly this
 *     evidence), and it is signed by the agent certificate's key ({@code BAD_EVIDENCE}): so the key the capsule key is
 *     sealed to is the one the attested HPC's agent holds;</li>
 * <li>the capsule's header, read from this Pi's own store and its signature checked, is this Pi's member's
 *     ({@code NOT_TASK_CAPSULE}); its requirements are the task's: the image the task's service runs
 *     ({@code CAPSULE_IMAGE}), the task's least executor and monitor credits at least the header's
 *     ({@code CAPSULE_CREDIT}); network none and clean-up are what every task gets (the header can ask nothing else);</li>
 * <li>a data capsule of another member's task: this Pi's owner offered it for the task's service
 *     ({@link WrappedKeys#offeredFor}, {@code NOT_OFFERED}). The task owner's own capsules need no offer: its signed
 *     TaskSubmitted names them for the service.</li>
 * </ol>
 */
final class KeyReleaseCheck {
    /** How far past a certificate this Pi reads for a later one of the task; further is stale anyway. */
    static final int MAX_SCAN = 4096;

    /**
     * A passed check: what to seal to, and the digest of the task's capsule list on this Pi's ledger
     * ({@link ResultKey#capsuleList}) that the result key is signed for.
     */
    record Release(long taskSeq, ContentAddress capsule, byte[] wrappedKey, X509Certificate agent, byte[] capsuleListDigest) {
    }

    /** The outcome: a release or a refusal (reason, sentence). */
    record Outcome(Optional<Release> release, String reason, String message) {
        static Outcome refused(Enum<?> reason, String message) {
            return new Outcome(Optional.empty(), reason.name(), message);
        }
    }

    private final byte[] self;
    private final FleetLedger ledger;
    private final PeerList peers;
    private final WrappedKeys keys;
    private final CapsuleStore store;
    private final LongFunction<Optional<Instant>> seen;
    private final Duration freshness;

    /**
     * @param self      this Pi's member key
     * @param store     this Pi's own capsule store (not the peers'): the headers of the capsules it releases
     * @param seen      when this Pi saw an entry appear ({@link TaskWatch#seen})
     * @param freshness how long after this Pi saw a certificate appear it still releases on it
     */
    KeyReleaseCheck(byte[] self, FleetLedger ledger, PeerList peers, WrappedKeys keys, CapsuleStore store, LongFunction<Optional<Instant>> seen,
                    Duration freshness) {
        this.self = self.clone();
        this.ledger = ledger;
        this.peers = peers;
        this.keys = keys;
        this.store = store;
        this.seen = seen;
        this.freshness = freshness;
    }

    Optional<LedgerEntry> entry(long seq) {
        if (seq < 1) {
            return Optional.empty();
        }
        List<LedgerEntry> e = ledger.ledger().entries(seq, 1);
        return e.isEmpty() || e.get(0).seq() != seq ? Optional.empty() : Optional.of(e.get(0));
    }

    Outcome check(KeyReleaseRequest r, byte[] peer, Instant now) {
        Optional<String> over = TaskLimits.problem(r);
        if (over.isPresent()) {
            return Outcome.refused(FleetRefusal.OVERSIZED, "key release: " + over.get());
        }
        HexFormat hex = HexFormat.of();
        long taskSeq = r.getTaskSeq();
        Optional<LedgerEntry> taskEntry = entry(taskSeq).filter(e -> e.record() instanceof LedgerRecord.TaskSubmitted);
        if (taskEntry.isEmpty()) {
            return Outcome.refused(TaskRefusal.UNKNOWN_TASK, "entry #" + taskSeq + " is not a task on this Pi's ledger");
        }
        LedgerRecord.TaskSubmitted task = (LedgerRecord.TaskSubmitted) taskEntry.get().record();
        Optional<LedgerEntry> groupEntry = entry(r.getGroupEntrySeq())
                .filter(e -> e.record() instanceof LedgerRecord.GroupElected g && g.taskSeq() == taskSeq);
        if (groupEntry.isEmpty()) {
            return Outcome.refused(TaskRefusal.NO_GROUP, "entry #" + r.getGroupEntrySeq() + " is not the group of task #" + taskSeq);
        }
        LedgerRecord.GroupElected recorded = (LedgerRecord.GroupElected) groupEntry.get().record();
        FleetLedger.Snapshot at = ledger.at(taskEntry.get().hash()).orElseThrow();
        TaskElection.Group group = TaskElection.elect(taskEntry.get(), at.members(), at.totalCredit(), recorded);
        String executor = group.executor().map(c -> c.memberId()).orElse("");
        if (!executor.equals(hex.formatHex(peer))) {
            return Outcome.refused(TaskRefusal.NOT_EXECUTOR, "the TLS peer " + hex.formatHex(peer) + " is not the executor of task #" + taskSeq
                    + (executor.isEmpty() ? " (the group has none)" : " (" + executor + " is)"));
        }
        ContentAddress capsule = ContentAddress.ofDigest(r.getCapsuleAddress().toByteArray());
        Optional<String> notOurs = capsuleProblem(task, capsule);
        if (notOurs.isPresent()) {
            return Outcome.refused(TaskRefusal.NOT_TASK_CAPSULE, notOurs.get());
        }
        Optional<byte[]> wrapped;
        try {
            wrapped = keys.wrapped(capsule);
        } catch (IOException e) {
            return Outcome.refused(TaskRefusal.RELEASE_FAILED, "the wrapped key of capsule " + capsule.hex() + " cannot be read: " + e.getMessage());
        }
        if (wrapped.isEmpty()) {
            return Outcome.refused(TaskRefusal.NOT_TASK_CAPSULE, "this Pi holds no wrapped key for capsule " + capsule.hex());
        }
        PeerList.Peer executorPi = peers.member(executor).orElse(null);
        if (executorPi == null) {
            return Outcome.refused(TaskRefusal.WRONG_CERTIFICATE, "the executor " + executor + " is not in the static peer list: its HPCs are unknown");
        }
        Optional<LedgerEntry> certEntry = entry(r.getCertificateEntrySeq());
        Optional<String> wrong = certEntry.isEmpty() ? Optional.of("entry #" + r.getCertificateEntrySeq() + " is not on this Pi's ledger")
                : certificateProblem(certEntry.get(), taskSeq, groupEntry.get(), executorPi);
        if (wrong.isPresent()) {
            return Outcome.refused(TaskRefusal.WRONG_CERTIFICATE, wrong.get());
        }
        QuorumCertificate cert = ((LedgerRecord.CertificateRecorded) certEntry.get().record()).certificate();
        Optional<String> stale = staleness(certEntry.get(), taskSeq, now);
        if (stale.isPresent()) {
            return Outcome.refused(TaskRefusal.STALE_CERTIFICATE, stale.get());
        }
        Optional<String> verdicts = verdictProblem(cert, group, recorded);
        if (verdicts.isPresent()) {
            return Outcome.refused(TaskRefusal.BAD_VERDICTS, verdicts.get());
        }
        AgentChain.Result agent = AgentChain.check(r.getCaCertificateDer(), r.getAgentCertificateChainDerList(), cert.round().hpc(), executorPi, now);
        if (!agent.ok()) {
            return Outcome.refused(TaskRefusal.BAD_AGENT_CERTIFICATE, agent.problem());
        }
        byte[] body = r.getEvidence().getBody().toByteArray();
        byte[] bodySha256 = Sha256.newDigest().digest(body);
        if (cert.verdicts().stream().noneMatch(v -> Arrays.equals(v.evidenceSha256(), bodySha256))) {
            return Outcome.refused(TaskRefusal.BAD_EVIDENCE, "the evidence (SHA-256 " + hex.formatHex(bodySha256)
                    + ") is none that a monitor judged in the certificate");
        }
        if (!EvidenceSignature.verify(agent.agent().getPublicKey(), body, r.getEvidence().getSignature().toByteArray())) {
            return Outcome.refused(TaskRefusal.BAD_EVIDENCE, "the evidence is not signed by the agent certificate's key");
        }
        Optional<Outcome> header = headerProblem(taskSeq, task, capsule);
        if (header.isPresent()) {
            return header.get();
        }
        byte[] capsuleList = ResultKey.capsuleList(task, service(task).orElseThrow()); // headerProblem found the service
        return new Outcome(Optional.of(new Release(taskSeq, capsule, wrapped.get(), agent.agent(), capsuleList)), "", "");
    }

    private Optional<LedgerRecord.ServicePublished> service(LedgerRecord.TaskSubmitted task) {
        return entry(task.serviceSeq()).map(LedgerEntry::record).filter(LedgerRecord.ServicePublished.class::isInstance)
                .map(LedgerRecord.ServicePublished.class::cast);
    }

    private Optional<String> capsuleProblem(LedgerRecord.TaskSubmitted task, ContentAddress capsule) {
        if (task.dataCapsules().stream().anyMatch(capsule::matches)) {
            return Optional.empty(); // whose it is, its header says (headerProblem)
        }
        Optional<LedgerRecord.ServicePublished> service = service(task);
        if (service.isPresent() && Arrays.equals(service.get().author(), self) && capsule.matches(service.get().codeCapsuleSha256())) {
            return Optional.empty();
        }
        return Optional.of("capsule " + capsule.hex() + " is neither a data capsule of the task nor its service's code capsule "
                + "authored by this Pi");
    }

    /** The capsule's signed header against the task: this Pi's, its requirements met, offered for the service if another's task. */
    private Optional<Outcome> headerProblem(long taskSeq, LedgerRecord.TaskSubmitted task, ContentAddress capsule) {
        CapsuleHeader h;
        try {
            Optional<byte[]> bytes = store.get(capsule);
            if (bytes.isEmpty()) {
                return Optional.of(Outcome.refused(TaskRefusal.NOT_TASK_CAPSULE, "this Pi's store has no capsule " + capsule.hex()
                        + ": its header's requirements cannot be checked"));
            }
            h = CapsuleFile.parse(bytes.get(), CapsuleLimits.DEFAULT).header();
            CapsuleOpener.checkSignature(h);
        } catch (IOException | CapsuleException e) {
            return Optional.of(Outcome.refused(TaskRefusal.NOT_TASK_CAPSULE, "capsule " + capsule.hex() + " in this Pi's store is unreadable: "
                    + e.getMessage()));
        }
        if (!Arrays.equals(h.owner(), self)) {
            return Optional.of(Outcome.refused(TaskRefusal.NOT_TASK_CAPSULE, "capsule " + capsule.hex() + " is owned by member " + h.ownerHex()
                    + ", not by this Pi's"));
        }
        Optional<LedgerRecord.ServicePublished> service = service(task);
        if (service.isEmpty()) {
            return Optional.of(Outcome.refused(TaskRefusal.UNKNOWN_TASK, "the task's service #" + task.serviceSeq() + " is not a service"));
        }
        Requirements req = h.requirements();
        String image = "sha256:" + HexFormat.of().formatHex(service.get().imageSha256());
        if (!req.imageDigest().equals(image)) {
            return Optional.of(Outcome.refused(TaskRefusal.CAPSULE_IMAGE, "capsule " + capsule.hex() + " requires image " + req.imageDigest()
                    + ", the task's service #" + task.serviceSeq() + " runs " + image));
        }
        if (task.minExecutorCredit() < req.minExecutorCredit() || task.minMonitorCredit() < req.minMonitorCredit()) {
            return Optional.of(Outcome.refused(TaskRefusal.CAPSULE_CREDIT, "capsule " + capsule.hex() + " requires executor credit >= "
                    + req.minExecutorCredit() + " and monitor credit >= " + req.minMonitorCredit() + ", the task asks only " + task.minExecutorCredit()
                    + " and " + task.minMonitorCredit()));
        }
        boolean data = task.dataCapsules().stream().anyMatch(capsule::matches);
        if (data && !Arrays.equals(task.owner(), self)) {
            java.util.Set<Long> offered;
            try {
                offered = keys.offeredFor(capsule);
            } catch (IOException e) {
                offered = java.util.Set.of();
            }
            if (!offered.contains(task.serviceSeq())) {
                return Optional.of(Outcome.refused(TaskRefusal.NOT_OFFERED, "capsule " + capsule.hex() + " is not offered for service #"
                        + task.serviceSeq() + " (task #" + taskSeq + " of member " + HexFormat.of().formatHex(task.owner()) + "); offered for "
                        + (offered.isEmpty() ? "no service" : "service(s) " + offered)));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> certificateProblem(LedgerEntry e, long taskSeq, LedgerEntry group, PeerList.Peer executorPi) {
        if (!(e.record() instanceof LedgerRecord.CertificateRecorded c)) {
            return Optional.of("entry #" + e.seq() + " is not a certificate");
        }
        QuorumCertificate cert = c.certificate();
        Optional<TaskRound> round = TaskRound.of(cert.round().round());
        if (round.isEmpty() || round.get().taskSeq() != taskSeq) {
            return Optional.of("certificate #" + e.seq() + " is of round " + cert.round().round() + ", not a round of task #" + taskSeq);
        }
        if (round.get().phase() != TaskRound.Phase.ATTEST) {
            return Optional.of("certificate #" + e.seq() + " is of the " + round.get() + ", not an attest round");
        }
        if (!Arrays.equals(cert.round().ledgerHead(), group.hash()) || e.seq() <= group.seq()) {
            return Optional.of("certificate #" + e.seq() + " is of a round drawn at another head than the group's entry #" + group.seq());
        }
        if (cert.outcome() != Verdict.Outcome.TRUSTED) {
            return Optional.of("certificate #" + e.seq() + " is " + cert.outcome());
        }
        MacAddress hpc = cert.round().hpc();
        if (!executorPi.hpcs().contains(hpc)) {
            return Optional.of("certificate #" + e.seq() + " is of HPC " + hpc + ", which the peer list does not list for the executor's Pi");
        }
        return Optional.empty();
    }

    private Optional<String> staleness(LedgerEntry cert, long taskSeq, Instant now) {
        Optional<Instant> at = seen.apply(cert.seq());
        if (at.isEmpty()) {
            return Optional.of("certificate #" + cert.seq() + " was on the ledger before this Pi watched it: its age is unknown");
        }
        Duration age = Duration.between(at.get(), now);
        if (age.compareTo(freshness) > 0) {
            return Optional.of("certificate #" + cert.seq() + " appeared " + age.toSeconds() + " s ago, more than the " + freshness.toSeconds()
                    + " s this Pi allows");
        }
        long from = cert.seq() + 1;
        for (int read = 0; read < MAX_SCAN; ) {
            List<LedgerEntry> page = ledger.ledger().entries(from, 256);
            for (LedgerEntry e : page) {
                if (e.record() instanceof LedgerRecord.CertificateRecorded c
                        && TaskRound.of(c.certificate().round().round()).filter(t -> t.taskSeq() == taskSeq).isPresent()) {
                    return Optional.of("certificate #" + cert.seq() + " is superseded by entry #" + e.seq() + " ("
                            + TaskRound.of(c.certificate().round().round()).get() + ")");
                }
            }
            if (page.size() < 256) {
                return Optional.empty();
            }
            read += page.size();
            from = page.get(page.size() - 1).seq() + 1;
        }
        return Optional.of("certificate #" + cert.seq() + " is more than " + MAX_SCAN + " entries behind the head");
    }

    private static Optional<String> verdictProblem(QuorumCertificate cert, TaskElection.Group group, LedgerRecord.GroupElected recorded) {
        Map<String, LedgerRecord.GroupClaim> claims = new HashMap<>();
        recorded.claims().forEach(c -> claims.put(HexFormat.of().formatHex(c.member()), c));
        Set<String> monitors = new HashSet<>();
        long monitorVotes = 0;
        for (var m : group.monitors()) {
            monitors.add(m.memberId());
            monitorVotes += m.votes();
        }
        Set<String> signed = new HashSet<>();
        long votes = 0;
        for (Verdict v : cert.verdicts()) {
            LedgerRecord.GroupClaim claim = claims.get(v.memberHex());
            if (!monitors.contains(v.memberHex()) || claim == null) {
                return Optional.of(v.memberHex() + " signed a verdict but is not a monitor of the task");
            }
            if (v.votes() != claim.votes() || !Arrays.equals(v.vrfProof(), claim.proof())) {
                return Optional.of("monitor " + v.memberHex() + "'s verdict carries " + v.votes() + " vote(s) and a proof other than its claim's ("
                        + claim.votes() + ")");
            }
            if (!signed.add(v.memberHex()) || !v.round().equals(cert.round()) || v.outcome() != Verdict.Outcome.TRUSTED) {
                return Optional.of("monitor " + v.memberHex() + "'s verdict is repeated or not a TRUSTED verdict of the round");
            }
            if (!v.signatureValid()) {
                return Optional.of("monitor " + v.memberHex() + "'s verdict signature does not verify");
            }
            votes += v.votes();
        }
        long needed = QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, (int) Math.min(Integer.MAX_VALUE, monitorVotes));
        if (votes < needed) {
            return Optional.of(votes + " TRUSTED vote(s) of monitors are fewer than the " + needed + " that the monitors' " + monitorVotes
                    + " votes need");
        }
        return Optional.empty();
    }
}
