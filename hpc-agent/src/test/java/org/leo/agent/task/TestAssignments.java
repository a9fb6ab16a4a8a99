package org.leo.agent.task;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import org.leo.protocol.attest.v1.ResultRecipient;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskAssignmentOrBuilder;
import org.leo.protocol.attest.v1.TaskCapsule;
import org.leo.protocol.attest.v1.TaskFile;
import org.leo.protocol.capsule.ResultRecipientStatement;
import org.leo.protocol.capsule.TaskCapsuleList;

/**
 * Task assignments for tests: a task owner (an Ed25519 member key) who signs the result recipient (for the task and
 * its capsule list, {@link #capsuleList}: sign after the capsules are in place), and
 * well-formed assignments to change one field of. Public, in the test-jar: the Pi-side end-to-end test
 * builds its assignments with it.
 */
public final class TestAssignments {
    private TestAssignments() {
    }

    /** A task owner's member key. */
    public record Owner(KeyPair keys) {
        public static Owner generate() throws GeneralSecurityException {
            return new Owner(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        }

        /** The 32 raw bytes: the end of the SubjectPublicKeyInfo. */
        public byte[] raw() {
            byte[] spki = keys.getPublic().getEncoded();
            return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        }

        /** The recipient {@code wrapKeySpki} for task {@code seq} and capsule list {@code capsuleList}, signed by this owner. */
        public ResultRecipient recipient(long seq, byte[] wrapKeySpki, byte[] capsuleList) throws GeneralSecurityException {
            return ResultRecipient.newBuilder().setWrapKeySpki(ByteString.copyFrom(wrapKeySpki)).setOwnerMemberKey(ByteString.copyFrom(raw()))
                    .setSignature(ByteString.copyFrom(sign(keys.getPrivate(), ResultRecipientStatement.signedBytes(seq, wrapKeySpki, capsuleList))))
                    .build();
        }

        /** The recipient {@code wrapKeySpki} for {@code a}'s task and capsules as they are now, signed by this owner. */
        public ResultRecipient recipient(TaskAssignmentOrBuilder a, byte[] wrapKeySpki) throws GeneralSecurityException {
            return recipient(a.getTaskSeq(), wrapKeySpki, capsuleList(a));
        }
    }

    /** The digest of {@code a}'s capsule list (its capsules' addresses in order), what each recipient is signed for. */
    public static byte[] capsuleList(TaskAssignmentOrBuilder a) {
        return TaskCapsuleList.digest(a.getCapsulesList().stream().map(c -> c.getFile().getSha256().toByteArray()).toList());
    }

    public static byte[] sign(PrivateKey key, byte[] message) throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key);
        s.update(message);
        return s.sign();
    }

    public static TaskFile file(String id, byte[] content) {
        return TaskFile.newBuilder().setFileId(id).setSha256(ByteString.copyFrom(TestImage.digest(content))).setSize(content.length).build();
    }

    /** A well-formed assignment of one capsule (its key sealed elsewhere) with a recipient of RSA-2048 {@code wrapKeySpki}. */
    public static TaskAssignment.Builder assignment(long seq, Owner owner, byte[] wrapKeySpki, byte[] image, String imageId, byte[] capsule,
                                                    byte[] sealedKey) throws GeneralSecurityException {
        TaskAssignment.Builder a = TaskAssignment.newBuilder().setTaskSeq(seq).setImage(file("image", image)).setImageId(imageId)
                .addCapsules(TaskCapsule.newBuilder().setName("input").setFile(file("capsule-0", capsule)).setSealedKey(ByteString.copyFrom(sealedKey)))
                .addCommand("/bin/sh").addCommand("-c").addCommand("rev /work/input > /work/result").setTimeoutMillis(30_000);
        return a.setRecipient(owner.recipient(a, wrapKeySpki));
    }
}
