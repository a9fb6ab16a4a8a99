package org.leo.consensus.fleet;

import java.util.Optional;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.FetchCapsuleRequest;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.leo.protocol.consensus.v1.TaskClaimResponse;
import org.leo.protocol.keywrap.AgentKeyWrap;

/**
 * The caps on the task rpcs' fields (ClaimTask, ReleaseKey, FetchCapsule in leo/consensus/v1/fleet.proto), checked
 * where a message is received, as {@link FleetLimits} does for the others. A ReleaseKey request carries one evidence
 * body, so it alone may be larger than {@link FleetLimits#MAX_REQUEST_BYTES} ({@link #MAX_RELEASE_REQUEST_BYTES}:
 * {@link MethodCaps} holds every other rpc to the smaller cap).
 */
public final class TaskLimits {
    /** A ReleaseKey request: one evidence body and room for its signature, the certificates and the rest. */
    public static final int MAX_RELEASE_REQUEST_BYTES = FleetLimits.MAX_EVIDENCE_BODY_BYTES + 64 * 1024;
    /** A FetchCapsule chunk's data. */
    public static final int CAPSULE_CHUNK_BYTES = 64 * 1024;
    /** A ReleasedKey's sealed key ({@link AgentKeyWrap}). */
    public static final int MAX_SEALED_KEY_BYTES = AgentKeyWrap.MAX_SEALED_BYTES;
    /** An Ed25519 signature. */
    public static final int SIGNATURE_BYTES = 64;

    private TaskLimits() {
    }

    public static Optional<String> problem(TaskClaimRequest r) {
        return new FleetLimits.Caps().exact("member_key", r.getMemberKey(), FleetLimits.KEY_BYTES)
                .exact("vrf_proof", r.getVrfProof(), FleetLimits.PROOF_BYTES).first;
    }

    public static Optional<String> problem(TaskClaimResponse r) {
        return refusal(new FleetLimits.Caps(), r.getRefused()).first;
    }

    public static Optional<String> problem(KeyReleaseRequest r) {
        return new FleetLimits.Caps().exact("capsule_address", r.getCapsuleAddress(), FleetLimits.HASH_BYTES)
                .atMost("evidence.body", r.getEvidence().getBody(), FleetLimits.MAX_EVIDENCE_BODY_BYTES)
                .atMost("evidence.signature", r.getEvidence().getSignature(), FleetLimits.MAX_EVIDENCE_SIGNATURE_BYTES)
                .count("agent_certificate_chain_der", r.getAgentCertificateChainDerCount(), FleetLimits.MAX_CHAIN_CERTIFICATES)
                .each("agent_certificate_chain_der", r.getAgentCertificateChainDerList(), FleetLimits.MAX_CERTIFICATE_BYTES)
                .atMost("ca_certificate_der", r.getCaCertificateDer(), FleetLimits.MAX_CERTIFICATE_BYTES).first;
    }

    public static Optional<String> problem(KeyReleaseResponse r) {
        return refusal(new FleetLimits.Caps(), r.getRefused())
                .atMost("released.sealed_key", r.getReleased().getSealedKey(), MAX_SEALED_KEY_BYTES)
                .atMost("released.result_key_spki_der", r.getReleased().getResultKeySpkiDer(), FleetLimits.MAX_SPKI_BYTES)
                .atMost("released.result_key_signature", r.getReleased().getResultKeySignature(), SIGNATURE_BYTES).first;
    }

    public static Optional<String> problem(FetchCapsuleRequest r) {
        return new FleetLimits.Caps().exact("address", r.getAddress(), FleetLimits.HASH_BYTES).first;
    }

    public static Optional<String> problem(org.leo.protocol.consensus.v1.FetchImageRequest r) {
        return new FleetLimits.Caps().exact("image_id", r.getImageId(), FleetLimits.HASH_BYTES).first;
    }

    public static Optional<String> problem(CapsuleChunk c) {
        return new FleetLimits.Caps().atMost("data", c.getData(), CAPSULE_CHUNK_BYTES).first;
    }

    private static FleetLimits.Caps refusal(FleetLimits.Caps c, org.leo.protocol.consensus.v1.Refusal r) {
        return c.chars("refused.reason", r.getReason(), FleetLimits.MAX_REASON_CHARS)
                .chars("refused.message", r.getMessage(), FleetLimits.MAX_MESSAGE_CHARS);
    }
}
