package org.leo.consensus.fleet;

import java.util.concurrent.CompletableFuture;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * The HPC's Pi's side of a verifier's challenge: relay the verifier's nonce to the HPC's agent and
 * return what a verifier needs to check the answer itself ({@link AnswerCheck}). Implemented over
 * the attestation server's EvidenceRelay ({@link EvidenceRelayPort}); a Pi that serves no HPC has
 * none.
 */
public interface RelayPort {
    /** Whether this Pi serves {@code hpc}. */
    boolean serves(MacAddress hpc);

    /**
     * Relays {@code nonce} (32 bytes) to {@code hpc}'s agent as a full challenge. Completes with the
     * answer, or exceptionally with a sentence (no open stream, no answer in time, the TPM did not
     * quote).
     */
    CompletableFuture<RelayAnswer> relay(MacAddress hpc, byte[] nonce);
}
