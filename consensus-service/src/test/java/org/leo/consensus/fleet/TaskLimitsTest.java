package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.capsule.ResultRecipientStatement;
import org.leo.protocol.capsule.TaskCapsuleList;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;

/**
 * The task rpcs' limits and settings: a ReleaseKey request may carry an evidence body far over the 64 KiB other requests
 * are held to, up to its own cap; the defaults are pinned; a result key is taken only with the task owner's signature for
 * that task.
 */
class TaskLimitsTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void aReleaseRequestCarriesAnEvidenceBodyOverTheOtherRpcsCapUpToItsOwn() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
             ConsensusNode owner = Lab.node(Lab.config(7), Lab.keys(71), ledger, Optional.empty());
             ConsensusNode asker = Lab.node(Lab.config(7), Lab.keys(72), ledger, Optional.empty())) {
            PeerList peers = PeerList.of(List.of(Lab.peer(owner, Lab.sha256("a"), Optional.empty(), List.of()),
                    Lab.peer(asker, Lab.sha256("b"), Optional.empty(), List.of())));
            owner.usePeers(peers);
            asker.usePeers(peers);
            PeerList.Peer to = peers.member(owner.keys().member()).orElseThrow();
            KeyReleaseRequest r = KeyReleaseRequest.newBuilder().setTaskSeq(5).setCapsuleAddress(ByteString.copyFrom(new byte[32]))
                    .setEvidence(Evidence.newBuilder().setBody(ByteString.copyFrom(new byte[200_000]))).build();
            KeyReleaseResponse before = asker.client(to).releaseKey(r, T);
            assertThat(before.getRefused().getReason()).as("before the Pi serves tasks").isEqualTo("NO_TASKS");

            owner.serveTasks(TaskConfig.defaults(), null, a -> Optional.empty(), org.leo.consensus.capsule.FileCapsuleStore.open(tmp.resolve("s"),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
            assertThat(asker.client(to).releaseKey(r, T).getRefused().getReason()).as("200 KB of evidence reach the check").isEqualTo("UNKNOWN_TASK");
            KeyReleaseResponse over = asker.client(to).releaseKey(r.toBuilder().setEvidence(Evidence.newBuilder()
                    .setBody(ByteString.copyFrom(new byte[FleetLimits.MAX_EVIDENCE_BODY_BYTES + 1]))).build(), T);
            assertThat(over.getRefused().getReason()).isEqualTo("OVERSIZED");
            assertThat(over.getRefused().getMessage()).isEqualTo("key release: evidence.body: " + (FleetLimits.MAX_EVIDENCE_BODY_BYTES + 1)
                    + " bytes, at most " + FleetLimits.MAX_EVIDENCE_BODY_BYTES);
            assertThatThrownBy(() -> asker.client(to).releaseKey(r.toBuilder().setEvidence(Evidence.newBuilder()
                    .setBody(ByteString.copyFrom(new byte[TaskLimits.MAX_RELEASE_REQUEST_BYTES + 1]))).build(), T))
                    .isInstanceOf(io.grpc.StatusRuntimeException.class).hasMessageContaining("RESOURCE_EXHAUSTED");
        }
    }

    @Test
    void defaultsArePinnedAndNonsenseRefused() {
        TaskConfig d = TaskConfig.defaults();
        assertThat(d.claimWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.releaseFreshness()).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.poll()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.maxCapsuleBytes()).isEqualTo(64L * 1024 * 1024);
        assertThatThrownBy(() -> d.withClaimWindow(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withReleaseFreshness(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TaskConfig(d.claimWindow(), d.releaseFreshness(), d.poll(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theExecutorsDefaultsArePinnedAndNonsenseRefused() {
        TaskExecutions.Config d = TaskExecutions.Config.defaults();
        assertThat(d.maxAttempts()).isEqualTo(3);
        assertThat(d.certificateWait()).isEqualTo(Duration.ofMinutes(2));
        assertThat(d.baselineWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.poll()).isEqualTo(Duration.ofMillis(200));
        assertThat(d.rpcDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.limits()).isEqualTo(new org.leo.consensus.task.TaskOrder.Limits(256L * 1024 * 1024, 1.0, 64));
        assertThat(d.timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(d.maxResultBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(d.maxImageBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThatThrownBy(() -> d.withMaxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.withCertificateWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aResultKeyIsTakenOnlyWithTheOwnersSignatureForThatTaskAndCapsuleList() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] spki = g.generateKeyPair().getPublic().getEncoded();
        MemberKeys owner = Lab.keys(73);
        byte[] list = TaskCapsuleList.digest(List.of(Lab.sha256("data"), Lab.sha256("code")));
        byte[] sig = owner.signResultKey(9, spki, list);
        assertThat(ResultKey.verify(owner.member(), 9, spki, list, sig)).isPresent();
        assertThat(ResultRecipientStatement.verify(owner.member(), 9, spki, list, sig)).as("what the agent checks (JCA)").isTrue();
        assertThat(ResultKey.verify(owner.member(), 10, spki, list, sig)).as("another task").isEmpty();
        assertThat(ResultKey.verify(owner.member(), 9, spki, TaskCapsuleList.digest(List.of(Lab.sha256("data"), Lab.sha256("mine"),
                Lab.sha256("code"))), sig)).as("another capsule list").isEmpty();
        assertThat(ResultKey.verify(owner.member(), 9, spki, new byte[31], sig)).as("no capsule list").isEmpty();
        assertThat(ResultKey.verify(Lab.keys(74).member(), 9, spki, list, sig)).as("another signer").isEmpty();
        assertThat(ResultKey.verify(owner.member(), 9, spki, list, Lab.keys(74).signResultKey(9, spki, list))).isEmpty();
        g.initialize(1024);
        byte[] small = g.generateKeyPair().getPublic().getEncoded();
        assertThat(ResultKey.verify(owner.member(), 9, small, list, owner.signResultKey(9, small, list))).as("not RSA-2048").isEmpty();
        assertThat(ResultKey.verify(owner.member(), 9, new byte[3], list, owner.signResultKey(9, new byte[3], list))).as("no key").isEmpty();
    }

    @Test
    void theCapsuleListIsTheTasksDataCapsulesThenItsServicesCode() {
        MemberKeys owner = Lab.keys(73);
        LedgerRecord.ServicePublished service = owner.signService(Lab.sha256("image"), Lab.sha256("code"), 0, "s");
        LedgerRecord.TaskSubmitted task = new LedgerRecord.TaskSubmitted(owner.member(), 1, List.of(Lab.sha256("a"), Lab.sha256("b")), 3, 0, 0, 0,
                10, new byte[64]);
        assertThat(ResultKey.capsuleList(task, service))
                .isEqualTo(TaskCapsuleList.digest(List.of(Lab.sha256("a"), Lab.sha256("b"), Lab.sha256("code"))));
    }
}
