package org.leo.consensus.fleet;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * What the HPC's Pi relayed to the monitors in its task rounds, kept for the executor's coordinator: a key release needs
 * the agent's signed evidence that a monitor judged in the ATTEST round, with the agent certificate chain and the CA
 * certificate ({@link KeyReleaseClient#request}). Only task rounds; the evidence, chain and CA of each answer (not the
 * log segment); the last {@link #ROUNDS} rounds, {@link #PER_ROUND} answers each.
 */
final class RelayedAnswers {
    static final int ROUNDS = 16;
    static final int PER_ROUND = 64;

    private final Map<RoundId, List<RelayAnswer>> byRound = new LinkedHashMap<>(32, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundId, List<RelayAnswer>> eldest) {
            return size() > ROUNDS;
        }
    };

    /** The Pi relayed {@code a} in {@code round}. */
    synchronized void relayed(RoundId round, RelayAnswer a) {
        if (TaskRound.of(round.round()).isEmpty()) {
            return;
        }
        List<RelayAnswer> l = byRound.computeIfAbsent(round, r -> new ArrayList<>());
        if (l.size() < PER_ROUND) {
            l.add(RelayAnswer.newBuilder().setEvidence(a.getEvidence()).addAllAgentCertificateChainDer(a.getAgentCertificateChainDerList())
                    .setCaCertificateDer(a.getCaCertificateDer()).build());
        }
    }

    /** The answer relayed in the certificate's round whose evidence a TRUSTED verdict of it judged, if this Pi relayed one. */
    synchronized Optional<RelayAnswer> judged(QuorumCertificate c) {
        for (RelayAnswer a : byRound.getOrDefault(c.round(), List.of())) {
            byte[] digest = sha256(a.getEvidence().getBody().toByteArray());
            for (Verdict v : c.verdicts()) {
                if (v.outcome() == Verdict.Outcome.TRUSTED && Arrays.equals(v.evidenceSha256(), digest)) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
