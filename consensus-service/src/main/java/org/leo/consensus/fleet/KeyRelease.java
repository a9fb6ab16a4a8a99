package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.Arrays;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.ReleasedKey;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.ReleaseContext;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.WrapKey;

/**
 * A capsule owner's Pi answering a key release (docs/tasks.md "Key release"): when {@link KeyReleaseCheck} passes, its
 * TPM unwraps the capsule's AES key, which is sealed at once to the agent certificate's P-256 key with
 * {@link AgentKeyWrap} and the {@link ReleaseContext} (task id = {@link ReleaseContext#taskId}, "task-" and the seq, the capsule's address, the
 * agent certificate), and wiped. The answer carries this Pi's TPM wrap key, signed for the task and its capsule list as
 * this Pi's ledger records it ({@link ResultKey}).
 */
final class KeyRelease {
    private final MemberKeys keys;
    private final Tpm tpm;
    private volatile WrapKey wrapKey;

    /** {@code tpm}: this Pi's TPM, or null on a Pi that holds no capsule keys (every release is refused). */
    KeyRelease(MemberKeys keys, Tpm tpm) {
        this.keys = keys;
        this.tpm = tpm;
    }

    /** The ReleaseContext of a task's capsule for an agent certificate: what the agent opens the sealed key with. */
    static ReleaseContext context(long taskSeq, byte[] capsuleAddress, java.security.cert.X509Certificate agent) {
        return ReleaseContext.of(ReleaseContext.taskId(taskSeq), capsuleAddress, agent);
    }

    /** The answer to {@code r}; {@code released} is told of each key sealed to an agent, before the answer goes out. */
    KeyReleaseResponse answer(KeyReleaseCheck check, KeyReleaseRequest r, byte[] peer, Instant now, Refusals refusals, String peerHex,
                              java.util.function.Consumer<KeyReleaseCheck.Release> released) {
        KeyReleaseCheck.Outcome o = check.check(r, peer, now);
        if (o.release().isEmpty()) {
            return refused(refusals, peerHex, o.reason(), o.message());
        }
        KeyReleaseCheck.Release release = o.release().get();
        if (tpm == null) {
            return refused(refusals, peerHex, TaskRefusal.RELEASE_FAILED.name(), "this Pi has no TPM to unwrap capsule keys with");
        }
        byte[] key = null;
        try {
            WrapKey w = wrapKey;
            if (w == null) {
                w = wrapKey = tpm.wrapKeyPublic();
            }
            key = tpm.unwrap(release.wrappedKey());
            byte[] sealed = AgentKeyWrap.seal(release.agent().getPublicKey(), key,
                    context(release.taskSeq(), release.capsule().bytes(), release.agent()).encode());
            byte[] spki = w.publicKey().getEncoded();
            released.accept(release);
            return KeyReleaseResponse.newBuilder().setReleased(ReleasedKey.newBuilder().setSealedKey(ByteString.copyFrom(sealed))
                    .setResultKeySpkiDer(ByteString.copyFrom(spki))
                    .setResultKeySignature(ByteString.copyFrom(keys.signResultKey(release.taskSeq(), spki, release.capsuleListDigest())))).build();
        } catch (TpmException e) {
            return refused(refusals, peerHex, TaskRefusal.RELEASE_FAILED.name(), "this Pi's TPM did not unwrap the key of capsule "
                    + release.capsule().hex() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            return refused(refusals, peerHex, TaskRefusal.BAD_AGENT_CERTIFICATE.name(), "the key cannot be sealed to the agent certificate's key: "
                    + e.getMessage());
        } finally {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    private static KeyReleaseResponse refused(Refusals refusals, String peer, String reason, String message) {
        return KeyReleaseResponse.newBuilder().setRefused(TaskService.refusal(refusals, peer, reason, message)).build();
    }
}
