package org.leo.consensus.task;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.leo.protocol.capsule.ContentAddress;

/**
 * What the executor's Pi hands its HPC's agent for one task ({@link HpcTasks#run}): everything the agent needs and
 * nothing it must trust the Pi for. The agent checks the image archive against {@code imageId} (before and after
 * docker load), each capsule against its address, opens each sealed key with its own in-RAM key under the capsule's
 * release context, and seals the result to {@code recipient} after checking its signature against the owner's key.
 *
 * @param taskSeq      the task's TaskSubmitted entry seq (the release context's task id is {@code ReleaseContext.taskId(taskSeq)}, "task-" and the seq)
 * @param imageId      the service's image id from its ServicePublished entry (SHA-256 of the image config)
 * @param imageArchive where this Pi keeps the image archive (docker save format) for the agent to fetch
 * @param capsules     the task's data capsules in the ledger's order, then the service's code capsule, each with its
 *                     released key: the capsule list every recipient is signed for (fleet.ResultKey.capsuleList)
 * @param command      the guest's command (empty: the image's own entry point)
 * @param limits       the guest's memory, CPU and process limits
 * @param timeout      how long the guest may run
 * @param recipient    the task owner's TPM wrap key to seal the result to, with the owner's signature over it
 * @param moreRecipients the other owners of the task's data capsules, each with its signature: the result is sealed
 *                     to each of them too (docs/tasks.md "Tasks with data of several owners")
 */
public record TaskOrder(long taskSeq, byte[] imageId, Path imageArchive, List<Capsule> capsules, List<String> command, Limits limits,
                        Duration timeout, ResultRecipient recipient, List<ResultRecipient> moreRecipients) {
    public TaskOrder {
        imageId = imageId.clone();
        capsules = List.copyOf(capsules);
        command = List.copyOf(command);
        moreRecipients = List.copyOf(moreRecipients);
    }

    /** A task whose data capsules are all its owner's. */
    public TaskOrder(long taskSeq, byte[] imageId, Path imageArchive, List<Capsule> capsules, List<String> command, Limits limits,
                     Duration timeout, ResultRecipient recipient) {
        this(taskSeq, imageId, imageArchive, capsules, command, limits, timeout, recipient, List.of());
    }

    /**
     * One capsule: its address, its file (fetched and checked by the Pi), and its AES key sealed to the agent's key by the
     * capsule owner's Pi under {@code ReleaseContext(ReleaseContext.taskId(taskSeq), address, agentCertificateSha256)}.
     */
    public record Capsule(ContentAddress address, byte[] file, byte[] sealedKey, byte[] agentCertificateSha256) {
        public Capsule {
            file = file.clone();
            sealedKey = sealedKey.clone();
            agentCertificateSha256 = agentCertificateSha256.clone();
        }
    }

    /** The guest's limits (the agent's sandbox defaults unless the executor's Pi is configured otherwise). */
    public record Limits(long memoryBytes, double cpus, int pids) {
        public static final Limits DEFAULT = new Limits(256L * 1024 * 1024, 1.0, 64);
    }

    /**
     * Whom the result is sealed to: the owner Pi's TPM wrap key (SubjectPublicKeyInfo), the owner's member key (the task
     * owner's, or a data capsule owner's), and the owner's Ed25519 signature over
     * {@code "leo-result-key-v2\0" || task seq || SHA-256(spki) || the task's capsule list digest} (fleet.ResultKey).
     */
    public record ResultRecipient(byte[] wrapKeySpki, byte[] ownerMemberKey, byte[] signature) {
        public ResultRecipient {
            wrapKeySpki = wrapKeySpki.clone();
            ownerMemberKey = ownerMemberKey.clone();
            signature = signature.clone();
        }
    }
}
