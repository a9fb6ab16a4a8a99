package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;

/**
 * The executor's Pi's side of a key release: it finds the task's group and latest ATTEST certificate on the ledger,
 * builds the request with the evidence and agent certificate chain its HPC's agent answered with, asks the capsule's
 * owner Pi, and checks the result key's signature against the capsule owner's member key. It opens nothing: the sealed key
 * is the agent's to open, with the private key that never leaves the HPC's RAM.
 */
public final class KeyReleaseClient {
    /**
     * What the owner's Pi released: the sealed capsule key and that Pi's result key for the task, with its signature checked
     * against the capsule owner's member key (a data capsule's owner gets the result sealed to it; the service author's key
     * is not used).
     */
    public record Released(byte[] sealedKey, Optional<RSAPublicKey> resultKey, Optional<org.leo.consensus.task.TaskOrder.ResultRecipient> recipient) {
    }

    /** A task's GroupElected entry and its latest ATTEST certificate entry. */
    public record Entries(LedgerEntry group, LedgerEntry certificate) {
    }

    private KeyReleaseClient() {
    }

    /** The task's group and its latest ATTEST certificate (the latest task certificate, if it is an ATTEST one), scanning from the task. */
    public static Optional<Entries> find(Ledger ledger, long taskSeq) {
        LedgerEntry group = null;
        LedgerEntry latest = null;
        for (long from = taskSeq; ; ) {
            List<LedgerEntry> page = ledger.entries(from, 256);
            for (LedgerEntry e : page) {
                if (e.record() instanceof LedgerRecord.GroupElected g && g.taskSeq() == taskSeq) {
                    group = e;
                } else if (e.record() instanceof LedgerRecord.CertificateRecorded c
                        && TaskRound.of(c.certificate().round().round()).filter(t -> t.taskSeq() == taskSeq).isPresent()) {
                    latest = e;
                }
            }
            if (page.size() < 256) {
                break;
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
        if (group == null || latest == null) {
            return Optional.empty();
        }
        TaskRound.Phase phase = TaskRound.of(((LedgerRecord.CertificateRecorded) latest.record()).certificate().round().round()).get().phase();
        return phase == TaskRound.Phase.ATTEST ? Optional.of(new Entries(group, latest)) : Optional.empty();
    }

    /** The request for capsule {@code capsule} of task {@code taskSeq}. */
    public static KeyReleaseRequest request(long taskSeq, ContentAddress capsule, Entries entries, Evidence evidence, List<byte[]> agentChainDer,
                                            byte[] caCertificateDer) {
        KeyReleaseRequest.Builder b = KeyReleaseRequest.newBuilder().setTaskSeq(taskSeq).setCapsuleAddress(ByteString.copyFrom(capsule.bytes()))
                .setGroupEntrySeq(entries.group().seq()).setCertificateEntrySeq(entries.certificate().seq()).setEvidence(evidence)
                .setCaCertificateDer(ByteString.copyFrom(caCertificateDer));
        agentChainDer.forEach(c -> b.addAgentCertificateChainDer(ByteString.copyFrom(c)));
        return b.build();
    }

    /**
     * Asks the capsule owner's Pi; the released key, or an {@link IllegalStateException} with the refusal. The result key
     * is kept only if it is signed by {@code capsuleOwner} (the capsule header's owner, signed; the task owner's for its
     * own capsules) for this task and {@code capsuleListDigest}, the task's capsule list on this Pi's ledger
     * ({@link ResultKey#capsuleList}): what the agent checks it against.
     */
    public static Released ask(FleetClient ownerPi, KeyReleaseRequest r, byte[] capsuleOwner, byte[] capsuleListDigest, Duration deadline) {
        KeyReleaseResponse a = ownerPi.releaseKey(r, deadline);
        if (!a.hasReleased()) {
            throw new IllegalStateException("the owner's Pi refused the key release (" + a.getRefused().getReason() + "): " + a.getRefused().getMessage());
        }
        Optional<RSAPublicKey> resultKey = ResultKey.verify(capsuleOwner, r.getTaskSeq(), a.getReleased().getResultKeySpkiDer().toByteArray(),
                capsuleListDigest, a.getReleased().getResultKeySignature().toByteArray());
        byte[] spki = a.getReleased().getResultKeySpkiDer().toByteArray();
        return new Released(a.getReleased().getSealedKey().toByteArray(), resultKey, resultKey.map(k -> new org.leo.consensus.task.TaskOrder.ResultRecipient(
                spki, capsuleOwner, a.getReleased().getResultKeySignature().toByteArray())));
    }
}
