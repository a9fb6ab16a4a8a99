package org.leo.attest.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.leo.attest.appraise.Findings;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * Whether one piece of evidence may be appraised at all: a pure function of the evidence and of
 * what the session knows (the stream certificate's key, the outstanding and answered challenges,
 * the last sequence number). In order: the signature over the body (nothing is parsed before it
 * verifies), the body's shape, the limits, an outstanding challenge, its nonce, a rising sequence.
 * Fuzzed by {@code EvidenceAdmissionFuzzTest}.
 */
public final class EvidenceAdmission {
    /** What the session knows when evidence arrives. */
    public record View(PublicKey key, String certificateSerial, Map<Long, Outstanding> outstanding, Map<Long, Instant> answered,
                       long lastSequence) { }

    /** The outcome: admitted for appraisal, or refused with a finding id, a status and a sentence. */
    public sealed interface Result permits Admitted, Refused { }

    public record Admitted(EvidenceBody body, Outstanding challenge) implements Result { }

    public record Refused(String eventId, Status.Code code, String why) implements Result { }

    private EvidenceAdmission() {
    }

    public static Result admit(View view, Evidence evidence) {
        byte[] bodyBytes = evidence.getBody().toByteArray();
        if (!EvidenceSignature.verify(view.key(), bodyBytes, evidence.getSignature().toByteArray())) {
            return new Refused("evidence.bad_signature", Status.Code.PERMISSION_DENIED,
                    "evidence signature does not verify with the key of certificate " + view.certificateSerial());
        }
        EvidenceBody body;
        try {
            body = EvidenceBody.parseFrom(bodyBytes);
        } catch (InvalidProtocolBufferException e) {
            return new Refused("evidence.malformed", Status.Code.INVALID_ARGUMENT, "evidence body is not an EvidenceBody: " + e.getMessage());
        }
        Optional<String> limit = Limits.problem(body);
        if (limit.isPresent()) {
            return new Refused("evidence.oversized", Status.Code.INVALID_ARGUMENT, limit.get());
        }
        long id = body.getChallengeId();
        Outstanding out = view.outstanding().get(id);
        if (out == null) {
            Instant answeredAt = view.answered().get(id);
            if (answeredAt != null) {
                return new Refused("evidence.replayed", Status.Code.PERMISSION_DENIED,
                        "evidence for challenge " + Long.toUnsignedString(id) + " was already received at " + answeredAt + " (replay)");
            }
            return new Refused("evidence.stale", Status.Code.PERMISSION_DENIED, "evidence for challenge " + Long.toUnsignedString(id)
                    + ", which is not outstanding (unknown or past its deadline)");
        }
        if (!out.challenge().getNonce().equals(body.getNonce())) {
            HexFormat hex = HexFormat.of();
            return new Refused("evidence.wrong_nonce", Status.Code.PERMISSION_DENIED, "evidence for challenge " + Long.toUnsignedString(id)
                    + " carries nonce " + Findings.shortHex(hex.formatHex(body.getNonce().toByteArray())) + ", the challenge's nonce is "
                    + Findings.shortHex(hex.formatHex(out.challenge().getNonce().toByteArray())));
        }
        // Signed on purpose: the session starts at -1, and a sequence past 2^63 never rises again.
        if (body.getSequence() <= view.lastSequence()) {
            return new Refused("evidence.replayed", Status.Code.PERMISSION_DENIED, "evidence sequence " + body.getSequence()
                    + " is not above the last one seen, " + view.lastSequence() + " (replay)");
        }
        return new Admitted(body, out);
    }
}
