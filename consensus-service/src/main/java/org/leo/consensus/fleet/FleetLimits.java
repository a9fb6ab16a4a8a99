package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;
import org.leo.attest.log.LogEntry;
import org.leo.attest.server.Limits;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.consensus.v1.AttestationLogEntry;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.Quote;
import org.leo.protocol.consensus.v1.RelayAnswer;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmsAttestParser;
import org.leo.protocol.tpm.TpmtSignatureParser;

/**
 * The caps on every field of the Fleet protocol (leo/consensus/v1/fleet.proto), checked where a
 * message is received and before anything in it is used: by the server for requests, by the
 * client for answers. gRPC refuses a whole message over {@link #MAX_REQUEST_BYTES} (a request) or
 * {@link #MAX_ANSWER_BYTES} (an answer) before these run. Each {@code problem} names the first
 * field over its cap in a sentence ("member_key: 33 bytes, expected 32").
 */
public final class FleetLimits {
    /** Transport limit for requests: a Join carries a TPM public area and a quote, a few KiB. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;
    /** Evidence body the agent may send the Pi ({@link Limits#MAX_MESSAGE_BYTES}). */
    public static final int MAX_EVIDENCE_BODY_BYTES = Limits.MAX_MESSAGE_BYTES;
    /** Checks in a relayed challenge: an answer holds at most 64 results (attestation-server {@code Limits}). */
    public static final int MAX_CHALLENGE_CHECKS = 64;
    /** A relayed challenge in all: a full one is a few checks naming the policy's disk targets, well under 1 KiB. */
    public static final int MAX_CHALLENGE_BYTES = 64 * 1024;
    /** Transport limit for answers: the evidence and golden bodies, the challenge, and room for certificates, the quote and the log segment. */
    public static final int MAX_ANSWER_BYTES = 2 * MAX_EVIDENCE_BODY_BYTES + MAX_CHALLENGE_BYTES + 256 * 1024;
    /** Ed25519 and ECVRF public keys. */
    public static final int KEY_BYTES = 32;
    /** An ECVRF proof (RFC 9381, suite 0x03). */
    public static final int PROOF_BYTES = Verdict.PROOF_BYTES;
    /** A verifier's challenge nonce. */
    public static final int NONCE_BYTES = 32;
    /** SHA-256 values: ledger and log hashes. */
    public static final int HASH_BYTES = 32;
    /** A TPMT_PUBLIC (protocol tpm.TpmPublic's cap). */
    public static final int MAX_AK_PUBLIC_BYTES = 1024;
    public static final int MAX_ATTEST_BYTES = TpmsAttestParser.MAX_ATTEST_BYTES;
    public static final int MAX_QUOTE_SIGNATURE_BYTES = TpmtSignatureParser.MAX_SIGNATURE_BYTES;
    /** PCRs in one quote: a bank has 24. */
    public static final int MAX_PCRS = Tpm.PCR_COUNT;
    public static final int PCR_VALUE_BYTES = Tpm.SHA256_BYTES;
    public static final int MAX_EVIDENCE_SIGNATURE_BYTES = EvidenceSignature.MAX_SIGNATURE_BYTES;
    /** The agent's certificate and intermediates; ours is one. */
    public static final int MAX_CHAIN_CERTIFICATES = 4;
    public static final int MAX_CERTIFICATE_BYTES = 8 * 1024;
    /** An attestation key's SubjectPublicKeyInfo (P-256: 91 bytes; RSA-4096: 550). */
    public static final int MAX_SPKI_BYTES = 1024;
    /** Log entries from the relay's entry to the quoted head: the Pi's log between two appends is short. */
    public static final int MAX_LOG_SEGMENT = 64;
    public static final int MAX_LOG_FIELD_CHARS = LogEntry.MAX_FIELD_CHARS;
    public static final int MAX_REASON_CHARS = 64;
    public static final int MAX_MESSAGE_CHARS = 1024;
    /** Verdicts in one certificate: more members than a committee of the largest tau ever seats at once. */
    public static final int MAX_CERTIFICATE_VERDICTS = 1024;

    private FleetLimits() {
    }

    public static Optional<String> problem(JoinRequest r) {
        return new Caps().exact("member_key", r.getMemberKey(), KEY_BYTES).exact("vrf_key", r.getVrfKey(), KEY_BYTES)
                .exact("vrf_proof", r.getVrfProof(), PROOF_BYTES).atMost("ak_public_area", r.getAkPublicArea(), MAX_AK_PUBLIC_BYTES)
                .quote("quote", r.getQuote()).first;
    }

    public static Optional<String> problem(ChallengeRequest r) {
        return new Caps().exact("round_id", r.getRoundId(), RoundId.ENCODED_BYTES).exact("member_key", r.getMemberKey(), KEY_BYTES)
                .exact("vrf_proof", r.getVrfProof(), PROOF_BYTES).exact("nonce", r.getNonce(), NONCE_BYTES).first;
    }

    public static Optional<String> problem(VerdictRequest r) {
        return new Caps().exact("verdict", r.getVerdict(), Verdict.ENCODED_BYTES).first;
    }

    /** An answer to Join, from the admitting Pi. */
    public static Optional<String> problem(JoinResponse r) {
        return new Caps().exact("admitted.ledger_hash", r.getAdmitted().getLedgerHash(), r.hasAdmitted() ? HASH_BYTES : 0)
                .chars("refused.reason", r.getRefused().getReason(), MAX_REASON_CHARS)
                .chars("refused.message", r.getRefused().getMessage(), MAX_MESSAGE_CHARS).first;
    }

    /** An answer to Challenge, from the HPC's Pi. */
    public static Optional<String> problem(ChallengeResponse r) {
        Caps c = new Caps().chars("refused.reason", r.getRefused().getReason(), MAX_REASON_CHARS)
                .chars("refused.message", r.getRefused().getMessage(), MAX_MESSAGE_CHARS).chars("failed", r.getFailed(), MAX_MESSAGE_CHARS);
        return c.first.isPresent() || !r.hasAnswer() ? c.first : problem(r.getAnswer());
    }

    public static Optional<String> problem(RelayAnswer a) {
        Caps c = new Caps().atMost("evidence.body", a.getEvidence().getBody(), MAX_EVIDENCE_BODY_BYTES)
                .atMost("evidence.signature", a.getEvidence().getSignature(), MAX_EVIDENCE_SIGNATURE_BYTES)
                .count("agent_certificate_chain_der", a.getAgentCertificateChainDerCount(), MAX_CHAIN_CERTIFICATES)
                .each("agent_certificate_chain_der", a.getAgentCertificateChainDerList(), MAX_CERTIFICATE_BYTES)
                .atMost("ca_certificate_der", a.getCaCertificateDer(), MAX_CERTIFICATE_BYTES)
                .exact("pi_quote.head_hash", a.getPiQuote().getHeadHash(), HASH_BYTES)
                .quote("pi_quote.quote", a.getPiQuote().getQuote())
                .atMost("pi_quote.ak_spki_der", a.getPiQuote().getAkSpkiDer(), MAX_SPKI_BYTES)
                .count("log_segment", a.getLogSegmentCount(), MAX_LOG_SEGMENT)
                .size("challenge", a.getChallenge().getSerializedSize(), MAX_CHALLENGE_BYTES)
                .count("challenge.checks", a.getChallenge().getChecksCount(), MAX_CHALLENGE_CHECKS)
                .atMost("golden.body", a.getGolden().getBody(), MAX_EVIDENCE_BODY_BYTES)
                .atMost("golden.signature", a.getGolden().getSignature(), MAX_EVIDENCE_SIGNATURE_BYTES);
        for (AttestationLogEntry e : a.getLogSegmentList()) {
            c.exact("log_segment.prev_hash", e.getPrevHash(), HASH_BYTES);
            for (String f : List.of(e.getHpc(), e.getKind(), e.getSeverity(), e.getEventId(), e.getMessage(), e.getDetail())) {
                c.chars("log_segment text field", f, MAX_LOG_FIELD_CHARS);
            }
        }
        return c.first;
    }

    /** An answer to Verdict, from the HPC's Pi. */
    public static Optional<String> problem(VerdictResponse r) {
        return new Caps().chars("refused.reason", r.getRefused().getReason(), MAX_REASON_CHARS)
                .chars("refused.message", r.getRefused().getMessage(), MAX_MESSAGE_CHARS)
                .chars("certificate.outcome", r.getCertificate().getOutcome(), MAX_REASON_CHARS)
                .count("certificate.verdicts", r.getCertificate().getVerdictsCount(), MAX_CERTIFICATE_VERDICTS)
                .eachExact("certificate.verdicts", r.getCertificate().getVerdictsList(), Verdict.ENCODED_BYTES).first;
    }

    /** A task round's notice, from the executor's Pi. */
    public static Optional<String> problem(TaskRoundNotice r) {
        return new Caps().exact("round_id", r.getRoundId(), RoundId.ENCODED_BYTES).first;
    }

    /** An answer to TaskRoundOpened, from a monitor. */
    public static Optional<String> problem(TaskRoundNoticeResponse r) {
        return new Caps().chars("refused.reason", r.getRefused().getReason(), MAX_REASON_CHARS)
                .chars("refused.message", r.getRefused().getMessage(), MAX_MESSAGE_CHARS).first;
    }

    /** The first field over its cap, in a sentence. */
    static final class Caps {
        Optional<String> first = Optional.empty();

        private Caps fail(String sentence) {
            if (first.isEmpty()) {
                first = Optional.of(sentence);
            }
            return this;
        }

        Caps exact(String field, ByteString b, int n) {
            return b.size() == n ? this : fail(field + ": " + b.size() + " bytes, expected " + n);
        }

        Caps atMost(String field, ByteString b, int max) {
            return size(field, b.size(), max);
        }

        Caps size(String field, int bytes, int max) {
            return bytes <= max ? this : fail(field + ": " + bytes + " bytes, at most " + max);
        }

        Caps count(String field, int n, int max) {
            return n <= max ? this : fail(field + ": " + n + " entries, at most " + max);
        }

        Caps chars(String field, String s, int max) {
            return s.length() <= max ? this : fail(field + ": " + s.length() + " characters, at most " + max);
        }

        Caps each(String field, List<ByteString> items, int max) {
            items.forEach(b -> atMost(field + " entry", b, max));
            return this;
        }

        Caps eachExact(String field, List<ByteString> items, int n) {
            items.forEach(b -> exact(field + " entry", b, n));
            return this;
        }

        Caps quote(String field, Quote q) {
            atMost(field + ".attest", q.getAttest(), MAX_ATTEST_BYTES).atMost(field + ".signature", q.getSignature(), MAX_QUOTE_SIGNATURE_BYTES)
                    .count(field + ".pcrs", q.getPcrsCount(), MAX_PCRS).count(field + ".pcr_values", q.getPcrValuesCount(), MAX_PCRS);
            return eachExact(field + ".pcr_values", q.getPcrValuesList(), PCR_VALUE_BYTES);
        }
    }
}
