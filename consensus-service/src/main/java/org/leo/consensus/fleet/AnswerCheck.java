package org.leo.consensus.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.TaskExpectation;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.attest.tpm.EvidenceRelay;
import org.leo.attest.tpm.HeadQuote;
import org.leo.attest.tpm.LogHeadQuoter;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.consensus.v1.AttestationLogEntry;
import org.leo.protocol.consensus.v1.RelayAnswer;
import org.leo.protocol.tpm.QuoteVerdict;

/**
 * A verifier's own checks of what the HPC's Pi relayed back for its nonce, from the answer alone,
 * the pins the static peer list holds for that Pi (its appliance CA's SHA-256 and its TPM attestation
 * key's), the HPC's reference values on the ledger at the round's head, and the verifier's own
 * attestation policy. Every check runs and every failure is a problem with an id and a sentence:
 * <ol>
 * <li>{@code relay.oversized}: a field over its cap ({@link FleetLimits});</li>
 * <li>{@code relay.ca.unpinned}: the CA certificate is not the one published for that Pi;</li>
 * <li>{@code relay.agent.untrusted}: the agent's certificate does not chain to that CA, is not valid
 *     now, or names another HPC;</li>
 * <li>{@code relay.evidence.bad_signature}, {@code .malformed}, {@code .wrong_nonce}: the evidence
 *     is not signed by that certificate's key, does not parse, or does not carry the verifier's
 *     nonce;</li>
 * <li>{@code relay.quote.ak_unpinned}, {@code relay.quote.invalid}: the Pi's quote is not by the
 *     pinned attestation key, or does not verify with nonce SHA-256("leo-relay-v1\0" || nonce ||
 *     SHA-256(evidence body)) and PCR 23 = extend(0, head);</li>
 * <li>{@code relay.log.broken}, {@code relay.log.no_relay_entry}: the log segment does not hash to
 *     the quoted head, or does not start with the Pi's entry for this relay (this nonce, this
 *     evidence);</li>
 * <li>{@code relay.golden.*} and {@code relay.challenge.*}: the golden baseline and the challenge the
 *     answer carries, checked against the ledger's reference values and the verifier's nonce
 *     ({@link ReferenceAppraisal}).</li>
 * </ol>
 * With no problem, the verifier appraises the evidence itself, with the attestation server's
 * {@code Appraiser} and its own policy, against the golden the ledger publishes. TRUSTED only if
 * there is no problem, its own appraisal has no finding, and the Pi's relay entry says the Pi's
 * appraisal had none either: a Pi that reports findings on a clean HPC harms only its own HPC.
 */
public final class AnswerCheck {
    /** No evidence: the digest an UNTRUSTED verdict without an answer names. */
    static final byte[] NO_EVIDENCE = new byte[Verdict.DIGEST_BYTES];

    /**
     * The verifier's conclusion: outcome, the digest of the evidence it judged, every problem of the relay, the
     * findings of its own appraisal ("hardware.usb.added: HPC ..: USB device .. appeared"), one sentence that says
     * whose findings decided it.
     */
    public record Appraisal(Verdict.Outcome outcome, byte[] evidenceSha256, List<String> problems, List<String> findings, String summary) {
        public Appraisal {
            evidenceSha256 = evidenceSha256.clone();
            problems = List.copyOf(problems);
            findings = List.copyOf(findings);
        }

        @Override
        public byte[] evidenceSha256() {
            return evidenceSha256.clone();
        }
    }

    private AnswerCheck() {
    }

    /**
     * What a verifier expects of {@code hpc}'s task engine at a head: the task of the service's image between the task's TRUSTED
     * ATTEST and CLEANUP certificates (LedgerRules.TaskOnHpc), else none. So a scheduled round during a task does not take
     * the task's own container for an intruder, and any other container, image or namespace is still found.
     */
    public static TaskExpectation expectation(FleetLedger.Snapshot at, MacAddress hpc) {
        return at.taskOn(hpc).<TaskExpectation>map(t -> new TaskExpectation.Running("sha256:" + HexFormat.of().formatHex(t.imageId())))
                .orElse(TaskExpectation.NONE);
    }

    /** No usable answer (refused, failed, or none before the round's deadline): UNTRUSTED. */
    public static Appraisal noAnswer(String why) {
        return new Appraisal(Verdict.Outcome.UNTRUSTED, NO_EVIDENCE, List.of("relay.no_answer: " + why), List.of(), "no answer: " + why);
    }

    /**
     * Checks {@code a}, the answer to this verifier's {@code nonce} for {@code hpc}, relayed by {@code pi}, and appraises
     * its evidence with {@code policy} against {@code published}, the HPC's latest reference values at the round's head.
     */
    public static Appraisal of(RelayAnswer a, byte[] nonce, MacAddress hpc, PeerList.Peer pi, Optional<LedgerRecord.ReferenceValues> published,
                               Policy policy, Instant now) {
        return of(a, nonce, hpc, pi, published, TaskExpectation.NONE, policy, now);
    }

    /**
     * As {@link #of(RelayAnswer, byte[], MacAddress, PeerList.Peer, Optional, Policy, Instant)}, the HPC's task state appraised
     * against {@code task}: what the ledger says the HPC may hold at the round's head ({@link #expectation}).
     */
    public static Appraisal of(RelayAnswer a, byte[] nonce, MacAddress hpc, PeerList.Peer pi, Optional<LedgerRecord.ReferenceValues> published,
                               TaskExpectation task, Policy policy, Instant now) {
        Optional<String> over = FleetLimits.problem(a);
        if (over.isPresent()) {
            return new Appraisal(Verdict.Outcome.UNTRUSTED, NO_EVIDENCE, List.of("relay.oversized: " + over.get()), List.of(), over.get());
        }
        HexFormat hex = HexFormat.of();
        List<String> problems = new ArrayList<>();
        byte[] body = a.getEvidence().getBody().toByteArray();
        byte[] bodySha256 = Sha256.newDigest().digest(body);

        X509Certificate agent = agentCertificate(a, hpc, pi, now, problems);
        if (agent != null && !EvidenceSignature.verify(agent.getPublicKey(), body, a.getEvidence().getSignature().toByteArray())) {
            problems.add("relay.evidence.bad_signature: the evidence is not signed by the agent certificate's key");
        }
        EvidenceBody parsed = null;
        try {
            parsed = EvidenceBody.parseFrom(body);
            byte[] got = parsed.getNonce().toByteArray();
            if (!Arrays.equals(got, nonce)) {
                problems.add("relay.evidence.wrong_nonce: the evidence carries nonce " + hex.formatHex(got) + ", not " + hex.formatHex(nonce));
            }
        } catch (InvalidProtocolBufferException e) {
            problems.add("relay.evidence.malformed: " + e.getMessage());
        }

        byte[] spki = a.getPiQuote().getAkSpkiDer().toByteArray();
        byte[] akSha256 = Sha256.newDigest().digest(spki);
        byte[] headHash = a.getPiQuote().getHeadHash().toByteArray();
        if (!Arrays.equals(akSha256, pi.akSha256())) {
            problems.add("relay.quote.ak_unpinned: the quote's attestation key has SHA-256 " + hex.formatHex(akSha256) + ", the peer list pins "
                    + hex.formatHex(pi.akSha256()));
        } else {
            try {
                PublicKey ak = QuoteWire.spki(spki);
                HeadQuote q = new HeadQuote(a.getPiQuote().getHeadSeq(), headHash, QuoteWire.fromWire(a.getPiQuote().getQuote()), "");
                QuoteVerdict v = LogHeadQuoter.verify(ak, q, EvidenceRelay.binding(nonce, body));
                if (!v.ok()) {
                    problems.add("relay.quote.invalid: " + v.summary());
                }
            } catch (GeneralSecurityException e) {
                problems.add("relay.quote.invalid: the attestation key does not parse: " + e.getMessage());
            }
        }
        long piFindings = relayEntry(a, nonce, bodySha256, hpc, headHash, problems);
        problems.addAll(ReferenceAppraisal.problems(a, parsed, nonce, hpc, agent, published));
        if (!problems.isEmpty()) {
            return new Appraisal(Verdict.Outcome.UNTRUSTED, bodySha256, problems, List.of(),
                    problems.get(0) + (problems.size() > 1 ? " (and more)" : ""));
        }
        List<Finding> own = ReferenceAppraisal.findings(a, parsed, hpc, task, policy); // every check passed: parsed and the golden are sound
        List<String> findings = own.stream().map(f -> f.eventId() + ": " + f.sentence()).toList();
        if (findings.isEmpty() && piFindings == 0) {
            return new Appraisal(Verdict.Outcome.TRUSTED, bodySha256, List.of(), List.of(),
                    "every check passed; neither the verifier's own appraisal nor the HPC's Pi's found anything");
        }
        String ids = own.stream().map(Finding::eventId).distinct().collect(Collectors.joining(", "));
        String mine = findings.isEmpty() ? "the verifier's own appraisal found nothing"
                : "the verifier's own appraisal found " + findings.size() + " finding(s) (" + ids + ")";
        String pis = piFindings == 0 ? "the HPC's Pi reported none" : "the HPC's Pi reported " + piFindings + " finding(s)";
        return new Appraisal(Verdict.Outcome.UNTRUSTED, bodySha256, List.of(), findings, findings.isEmpty() ? pis + "; " + mine : mine + "; " + pis);
    }

    private static X509Certificate agentCertificate(RelayAnswer a, MacAddress hpc, PeerList.Peer pi, Instant now, List<String> problems) {
        AgentChain.Result r = AgentChain.check(a.getCaCertificateDer(), a.getAgentCertificateChainDerList(), hpc, pi, now);
        if (!r.ok()) {
            problems.add((r.pinned() ? "relay.agent.untrusted: " : "relay.ca.unpinned: ") + r.problem());
        }
        return r.agent();
    }

    /** Checks the log segment up to the quoted head; returns the findings its relay entry records (-1 if none). */
    private static long relayEntry(RelayAnswer a, byte[] nonce, byte[] bodySha256, MacAddress hpc, byte[] headHash, List<String> problems) {
        List<AttestationLogEntry> segment = a.getLogSegmentList();
        if (segment.isEmpty()) {
            problems.add("relay.log.no_relay_entry: the answer carries no log entries");
            return -1;
        }
        byte[] prev = segment.get(0).getPrevHash().toByteArray();
        long seq = segment.get(0).getSeq();
        LogEntry first = null;
        for (AttestationLogEntry w : segment) {
            LogEntry e;
            try {
                e = new LogEntry(Instant.ofEpochMilli(w.getAtEpochMillis()), w.getHpc(), LogEntry.Kind.valueOf(w.getKind()), w.getSeverity(),
                        w.getEventId(), w.getMessage(), w.getDetail());
            } catch (IllegalArgumentException ex) {
                problems.add("relay.log.broken: entry #" + w.getSeq() + " does not parse: " + ex.getMessage());
                return -1;
            }
            if (w.getSeq() != seq || !Arrays.equals(w.getPrevHash().toByteArray(), prev)) {
                problems.add("relay.log.broken: entry #" + w.getSeq() + " does not follow entry #" + (seq - 1));
                return -1;
            }
            first = first == null ? e : first;
            prev = ChainedEntry.computeHash(seq, e, prev);
            seq++;
        }
        if (!Arrays.equals(prev, headHash) || seq - 1 != a.getPiQuote().getHeadSeq()) {
            problems.add("relay.log.broken: the segment ends at entry #" + (seq - 1) + " with hash " + HexFormat.of().formatHex(prev)
                    + ", the quote names head #" + a.getPiQuote().getHeadSeq());
            return -1;
        }
        HexFormat hex = HexFormat.of();
        List<String> detail = List.of(first.detail().split("\n"));
        Optional<String> findings = detail.stream().filter(l -> l.startsWith("findings=")).map(l -> l.substring(9)).findFirst();
        if (!first.eventId().equals("relay.quoted") || !first.hpc().equals(hpc.toString()) || !detail.contains("nonce=" + hex.formatHex(nonce))
                || !detail.contains("evidence=" + hex.formatHex(bodySha256)) || findings.isEmpty() || !findings.get().matches("[0-9]{1,9}")) {
            problems.add("relay.log.no_relay_entry: the segment's first entry (" + first.eventId() + " about " + first.hpc()
                    + ") does not record this relay of this evidence for this nonce");
            return -1;
        }
        return Long.parseLong(findings.get());
    }
}
