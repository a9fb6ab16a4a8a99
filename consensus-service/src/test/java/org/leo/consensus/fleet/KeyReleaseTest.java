package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.ca.ApplianceCa;
import org.leo.consensus.capsule.FileCapsuleStore;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.leo.protocol.consensus.v1.TaskClaimResponse;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.KeyWrapException;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;

/**
 * Key release between Pis (docs/tasks.md "Key release"), with six in-process Pis over real mutual-TLS gRPC on one
 * embedded ledger and the capsule owner's keys wrapped by a real swtpm: the drawn members claim, the owner's Pi records
 * the group once, the monitors certify the executor's HPC in the task's ATTEST round, and the owner's Pi seals the
 * capsules' keys to the executor agent's key, which opens them. Every forged claim and request is refused with its
 * reason and counted by the owner's Pi. With {@code -Dleo.capture=true} the honest request is written as the fuzz
 * test's seed.
 */
@Tag("system")
class KeyReleaseTest {
    static final Duration T = Duration.ofSeconds(20);
    static final int PIS = 6;
    static final Path SEED = Path.of("src/test/resources/org/leo/consensus/fleet/KeyReleaseCheckFuzzTestInputs/checkNeverThrows/release-request");

    @TempDir
    Path tmp;

    /** Whether {@code condition} came true within the bound. */
    static boolean await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + T.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + T.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + T.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The fleet of the test: its Pis, their CAs, the owner's Pi (node 0) and what it holds. */
    final class World implements AutoCloseable {
        final RoundsLab.HandClock clock = new RoundsLab.HandClock(Instant.now());
        final List<MemberKeys> keys = new ArrayList<>();
        final List<ConsensusNode> nodes = new ArrayList<>();
        final List<ApplianceCa> cas = new ArrayList<>();
        final List<TaskService> tasks = new ArrayList<>();
        final EmbeddedLedger ledger;
        final FleetLedger fleetLedger;
        final ConsensusNode stranger;
        PeerList peers;

        World(Tpm tpm) throws Exception {
            ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
            fleetLedger = new FleetLedger(ledger);
            List<PeerList.Peer> list = new ArrayList<>();
            for (int i = 0; i < PIS; i++) {
                keys.add(Lab.keys(40 + i));
                nodes.add(ConsensusNode.start(Lab.config(7), keys.get(i), ledger, PeerList.of(List.of()), Optional.empty(), new SimpleMeterRegistry(),
                        clock));
                cas.add(ApplianceCa.loadOrCreate(tmp.resolve("ca-" + i), Clock.systemUTC()));
                list.add(new PeerList.Peer(keys.get(i).member(), "127.0.0.1", nodes.get(i).port(), Lab.sha256("ak " + i),
                        Optional.of(Lab.sha256Bytes(cas.get(i).certificate().getEncoded())), List.of(TaskLab.hpc(i))));
            }
            stranger = ConsensusNode.start(Lab.config(7), Lab.keys(99), ledger, PeerList.of(List.of()), Optional.empty(), new SimpleMeterRegistry(), clock);
            list.add(Lab.peer(stranger, Lab.sha256("ak stranger"), Optional.empty(), List.of()));
            peers = PeerList.of(list);
            for (ConsensusNode n : all()) {
                n.usePeers(peers);
            }
            TaskLab.admit(ledger, keys);
            for (int i = 0; i < PIS; i++) {
                tasks.add(nodes.get(i).serveTasks(TaskConfig.defaults(), tpm, WrappedKeys.directory(tmp.resolve("keys-" + i)),
                        FileCapsuleStore.open(tmp.resolve("store-" + i), new SimpleMeterRegistry())));
            }
        }

        List<ConsensusNode> all() {
            List<ConsensusNode> a = new ArrayList<>(nodes);
            a.add(stranger);
            return a;
        }

        ConsensusNode owner() {
            return nodes.get(0);
        }

        PeerList.Peer ownerPeer() {
            return peers.member(keys.get(0).member()).orElseThrow();
        }

        int index(String memberHex) {
            for (int i = 0; i < PIS; i++) {
                if (keys.get(i).memberHex().equals(memberHex)) {
                    return i;
                }
            }
            throw new IllegalArgumentException(memberHex);
        }

        /** The owner's Pi keeps the capsule's AES key wrapped by its TPM, in the key file form of {@code leo capsule seal --tpm}. */
        ContentAddress hold(Tpm tpm, CapsuleSealer.Sealed s) throws Exception {
            return hold(tpm, 0, s);
        }

        /**
         * Pi {@code pi} keeps the capsule in its store and its AES key wrapped by its TPM, with a {@code service SEQ} line for
         * each service it is offered for ({@code leo task offer}).
         */
        ContentAddress hold(Tpm tpm, int pi, CapsuleSealer.Sealed s, long... offeredFor) throws Exception {
            byte[] file = CapsuleFile.encode(s.capsule());
            ContentAddress a = FileCapsuleStore.open(tmp.resolve("store-" + pi), new SimpleMeterRegistry()).put(file);
            Files.createDirectories(tmp.resolve("keys-" + pi));
            var w = tpm.wrapKeyPublic();
            StringBuilder offers = new StringBuilder();
            for (long service : offeredFor) {
                offers.append("service ").append(service).append('\n');
            }
            Files.writeString(tmp.resolve("keys-" + pi).resolve(a.hex() + ".key"),
                    "wrap-key " + w.fingerprint() + "\nwrapped-key " + HexFormat.of().formatHex(w.wrap(s.aesKey())) + "\n" + offers);
            return a;
        }

        KeyReleaseResponse ask(ConsensusNode asker, KeyReleaseRequest r) {
            return asker.client(ownerPeer()).releaseKey(r, T);
        }

        void refused(ConsensusNode asker, KeyReleaseRequest r, String reason, String sentence) {
            refused(0, asker, r, reason, sentence);
        }

        /** Pi {@code pi} refuses the request for {@code reason}, with {@code sentence} in its answer, and counts it. */
        void refused(int pi, ConsensusNode asker, KeyReleaseRequest r, String reason, String sentence) {
            ConsensusNode owner = nodes.get(pi);
            long before = owner.refusals().count(reason);
            KeyReleaseResponse a = asker.client(peers.member(keys.get(pi).member()).orElseThrow()).releaseKey(r, T);
            assertThat(a.hasRefused()).as(reason + ": " + a).isTrue();
            assertThat(a.getRefused().getReason()).as(a.getRefused().getMessage()).isEqualTo(reason);
            assertThat(a.getRefused().getMessage()).contains(sentence);
            assertThat(owner.refusals().count(reason)).as("counted " + reason).isEqualTo(before + 1);
        }

        void claimRefused(ConsensusNode claimant, TaskClaimRequest r, String reason, String sentence) {
            long before = owner().refusals().count(reason);
            TaskClaimResponse a = claimant.client(ownerPeer()).claimTask(r, T);
            assertThat(a.hasRefused()).as(reason + ": " + a).isTrue();
            assertThat(a.getRefused().getReason()).as(a.getRefused().getMessage()).isEqualTo(reason);
            assertThat(a.getRefused().getMessage()).contains(sentence);
            assertThat(owner().refusals().count(reason)).isEqualTo(before + 1);
        }

        /** A certificate appended now, and seen by the owner's Pi. */
        LedgerEntry certify(RoundId round, Verdict.Outcome outcome, List<Verdict> verdicts) throws InterruptedException {
            LedgerEntry e = TaskLab.certify(ledger, round, outcome, verdicts);
            await(() -> tasks.get(0).watch().seen(e.seq()).isPresent(), "the owner's Pi sees certificate #" + e.seq());
            return e;
        }

        @Override
        public void close() throws Exception {
            for (ConsensusNode n : all()) {
                n.close();
            }
            ledger.close();
        }
    }

    static TaskClaimRequest claim(long task, byte[] member, long votes, byte[] proof) {
        return TaskClaimRequest.newBuilder().setTaskSeq(task).setMemberKey(ByteString.copyFrom(member)).setVotes((int) votes)
                .setVrfProof(ByteString.copyFrom(proof)).build();
    }

    static KeyReleaseRequest.Builder with(KeyReleaseRequest r) {
        return r.toBuilder();
    }

    /**
     * A drawn member claims as soon as its Pi reads the task, which may be before the owner's Pi has: the owner's Pi reads the
     * new entries before it judges the claim, so the claim is counted in the window that opens then (it was refused as
     * WINDOW_CLOSED, and a refusal ends the re-sending: the group lacked the early claimants, seen in the picture demo).
     */
    @Test
    void aClaimThatComesBeforeTheOwnersPiReadTheTaskIsCounted() throws Exception {
        try (SwtpmProcess sw = SwtpmProcess.start(); Tpm tpm = Tpm.open(sw.endpoint()); World w = new World(tpm)) {
            MemberKeys owner = w.keys.get(0);
            java.util.concurrent.ExecutorService work = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                // an owner's task service that has not polled yet (no tick)
                TaskService notYetRead = new TaskService(owner, w.fleetLedger, () -> w.peers, w.owner()::client, TaskConfig.defaults(), tpm,
                        WrappedKeys.directory(tmp.resolve("keys-late")), FileCapsuleStore.open(tmp.resolve("store-late"), new SimpleMeterRegistry()),
                        w.clock, w.owner().refusals(), work);
                ContentAddress code = w.hold(tpm, TaskLab.seal(owner, CapsuleKind.CODE, "Bob's grey filter"));
                LedgerEntry service = TaskLab.service(w.ledger, owner, code.bytes());
                LedgerEntry task = TaskLab.task(w.ledger, owner, service.seq(), List.of(code.bytes()));
                LedgerRecord.GroupClaim c = TaskLab.claims(w.keys, w.fleetLedger, task).get(0);
                TaskClaimResponse a = notYetRead.claimTask(claim(task.seq(), c.member(), c.votes(), c.proof()), c.member());
                assertThat(a.hasRefused()).as("%s", a).isFalse();
                assertThat(notYetRead.claims().counted(task.seq())).isEqualTo(1);
            } finally {
                work.shutdownNow();
            }
        }
    }

    @Test
    void theDrawnClaimTheOwnerRecordsTheGroupAndOnlyTheAttestedExecutorsAgentOpensTheKeys() throws Exception {
        try (SwtpmProcess sw = SwtpmProcess.start(); Tpm tpm = Tpm.open(sw.endpoint()); World w = new World(tpm)) {
            MemberKeys owner = w.keys.get(0);
            CapsuleSealer.Sealed data = TaskLab.seal(owner, CapsuleKind.DATA, "Alice's colour picture");
            CapsuleSealer.Sealed code = TaskLab.seal(owner, CapsuleKind.CODE, "Bob's grey filter");
            CapsuleSealer.Sealed foreign = TaskLab.seal(owner, CapsuleKind.DATA, "a capsule of no task");
            ContentAddress dataAddress = w.hold(tpm, data);
            ContentAddress codeAddress = w.hold(tpm, code);
            ContentAddress foreignAddress = w.hold(tpm, foreign);
            ContentAddress unkeyed = ContentAddress.of(CapsuleFile.encode(TaskLab.seal(owner, CapsuleKind.DATA, "no key held").capsule()));
            LedgerEntry service = TaskLab.service(w.ledger, owner, codeAddress.bytes());
            // Carol (node 1) offers capsules for the service, or not, or for another; Alice (node 0) adds her own with requirements
            MemberKeys carol = w.keys.get(1);
            CapsuleSealer.Sealed carolsNames = TaskLab.seal(carol, CapsuleKind.DATA, "Carol's names");
            ContentAddress offered = w.hold(tpm, 1, carolsNames, service.seq());
            ContentAddress notOffered = w.hold(tpm, 1, TaskLab.seal(carol, CapsuleKind.DATA, "Carol's private names"));
            ContentAddress offeredElsewhere = w.hold(tpm, 1, TaskLab.seal(carol, CapsuleKind.DATA, "Carol's other names"), service.seq() + 1);
            ContentAddress otherImage = w.hold(tpm, 1, TaskLab.seal(carol, CapsuleKind.DATA, "Carol's names for another image",
                    org.leo.protocol.capsule.Requirements.of("sha256:" + "cd".repeat(32), 0, 0)), service.seq());
            ContentAddress highCredit = w.hold(tpm, 0, TaskLab.seal(owner, CapsuleKind.DATA, "Alice's data for trusted executors only",
                    org.leo.protocol.capsule.Requirements.of(TaskLab.REQUIREMENTS.imageDigest(), 100, 0)));
            ContentAddress highMonitorCredit = w.hold(tpm, 1, TaskLab.seal(carol, CapsuleKind.DATA, "Carol's names for trusted monitors only",
                    org.leo.protocol.capsule.Requirements.of(TaskLab.REQUIREMENTS.imageDigest(), 0, 5)), service.seq());
            ContentAddress alicesHeldByCarol = w.hold(tpm, 1, TaskLab.seal(owner, CapsuleKind.DATA, "Alice's, a key file at Carol's Pi"),
                    service.seq());
            CapsuleSealer.Sealed notStored = TaskLab.seal(carol, CapsuleKind.DATA, "Carol's names not in her store");
            ContentAddress unstored = w.hold(tpm, 1, notStored, service.seq());
            Files.delete(FileCapsuleStore.open(tmp.resolve("store-1"), new SimpleMeterRegistry()).file(unstored));
            LedgerEntry task = TaskLab.task(w.ledger, owner, service.seq(), List.of(dataAddress.bytes(), unkeyed.bytes(), offered.bytes(),
                    notOffered.bytes(), offeredElsewhere.bytes(), otherImage.bytes(), highCredit.bytes(), highMonitorCredit.bytes(),
                    alicesHeldByCarol.bytes(), unstored.bytes()));
            List<LedgerRecord.GroupClaim> honest = TaskLab.claims(w.keys, w.fleetLedger, task);
            assumeThat(honest.size()).as("at least an executor and a monitor drawn").isGreaterThanOrEqualTo(2);

            // 1. claims: every drawn member's claim reaches the owner's Pi by itself
            await(() -> w.tasks.get(0).claims().counted(task.seq()) == honest.size(), "the drawn members' claims are counted");
            String drawnHex = HexFormat.of().formatHex(honest.stream().filter(c -> !java.util.Arrays.equals(c.member(), owner.member()))
                    .findFirst().orElseThrow().member());
            ConsensusNode drawn = w.nodes.get(w.index(drawnHex));
            MemberSortition.Draw d = TaskLab.draw(drawn.keys(), w.fleetLedger, task);
            MemberKeys other = w.keys.stream().filter(k -> !k.memberHex().equals(drawnHex)).findFirst().orElseThrow();
            MemberSortition.Draw od = TaskLab.draw(other, w.fleetLedger, task);
            w.claimRefused(drawn, claim(task.seq(), other.member(), od.votes(), od.proof()), "PEER_MISMATCH", "the claim names member " + other.memberHex());
            w.claimRefused(drawn, claim(task.seq(), drawn.keys().member(), od.votes(), od.proof()), "BAD_CLAIM", drawnHex + ": "); // a replayed proof
            w.claimRefused(drawn, claim(task.seq(), drawn.keys().member(), d.votes() + 1, d.proof()), "BAD_CLAIM", "votes-mismatch");
            w.claimRefused(w.stranger, claim(task.seq(), w.stranger.keys().member(), 3, od.proof()), "BAD_CLAIM",
                    "not a member with that VRF key and credit at task #" + task.seq());
            TaskClaimResponse sameAgain = drawn.client(w.ownerPeer()).claimTask(claim(task.seq(), drawn.keys().member(), d.votes(), d.proof()), T);
            assertThat(sameAgain.getAccepted()).as("the same claim again is accepted (members re-send until the group is recorded)").isTrue();
            assertThat(w.tasks.get(0).claims().counted(task.seq())).as("and counted once").isEqualTo(honest.size());
            w.claimRefused(drawn, claim(task.seq() + 500, drawn.keys().member(), d.votes(), d.proof()), "UNKNOWN_TASK", "is not a task");
            long oversized = w.owner().refusals().count("OVERSIZED");
            assertThatThrownBy(() -> drawn.client(w.ownerPeer()).claimTask(claim(task.seq(), drawn.keys().member(), 1, new byte[70_000]), T))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            await(() -> w.owner().refusals().count("OVERSIZED") == oversized + 1, "an oversized claim is counted");
            w.claimRefused(drawn, claim(task.seq(), drawn.keys().member(), d.votes(), new byte[79]), "OVERSIZED", "vrf_proof: 79 bytes, expected 80");

            // 2. the group on the ledger, once, at the window's end
            w.clock.advance(TaskConfig.DEFAULT_CLAIM_WINDOW.plusSeconds(1));
            await(() -> groupOf(w, task.seq()).isPresent(), "GroupElected is appended");
            LedgerEntry groupEntry = groupOf(w, task.seq()).orElseThrow();
            assertThat(((LedgerRecord.GroupElected) groupEntry.record()).claims()).usingRecursiveFieldByFieldElementComparator().isEqualTo(honest);
            w.claimRefused(drawn, claim(task.seq(), drawn.keys().member(), d.votes(), d.proof()), "WINDOW_CLOSED", "is closed");
            java.util.concurrent.ExecutorService restartedWork = java.util.concurrent.Executors.newSingleThreadExecutor();
            TaskService restarted = new TaskService(owner, w.fleetLedger, () -> w.peers, w.owner()::client, TaskConfig.defaults(), tpm,
                    WrappedKeys.directory(tmp.resolve("keys-0")), FileCapsuleStore.open(tmp.resolve("store-0"), new SimpleMeterRegistry()), w.clock,
                    w.owner().refusals(), restartedWork);
            restarted.tick();
            w.clock.advance(TaskConfig.DEFAULT_CLAIM_WINDOW.plusSeconds(1));
            restarted.tick();
            restartedWork.shutdownNow();
            assertThat(w.tasks.get(0).claims().closeDue()).isEmpty();
            assertThat(w.ledger.entries(1, 10_000).stream().filter(e -> e.record() instanceof LedgerRecord.GroupElected).count())
                    .as("a restarted owner Pi never records the group twice").isEqualTo(1);

            TaskElection.Group group = TaskLab.group(w.fleetLedger, task, groupEntry);
            assumeThat(group.canRun()).as("the group has an executor and monitors").isTrue();
            int exec = w.index(group.executor().orElseThrow().memberId());
            ConsensusNode executor = w.nodes.get(exec);
            ConsensusNode notExecutor = w.nodes.get((exec + 1) % PIS);
            List<String> monitors = group.monitors().stream().map(c -> c.memberId()).toList();
            System.out.println("task #" + task.seq() + ": executor Pi " + exec + ", monitors " + monitors.stream().map(w::index).toList());

            // 3. the executor's HPC attested in the task's ATTEST round, drawn at the group's entry
            TaskLab.Agent agent = TaskLab.agent(w.cas.get(exec), TaskLab.hpc(exec), "a monitor's nonce");
            RoundId attest0 = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, 0).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            w.certify(attest0, Verdict.Outcome.TRUSTED, TaskLab.verdicts(w.keys, groupEntry, attest0, Verdict.Outcome.TRUSTED, monitors,
                    agent.evidenceSha256()));

            // 4-5. the request, the release, and the agent opens both capsules
            KeyReleaseClient.Entries entries = KeyReleaseClient.find(w.ledger, task.seq()).orElseThrow();
            KeyReleaseRequest request = KeyReleaseClient.request(task.seq(), dataAddress, entries, agent.evidence(), agent.chain(), agent.caDer());
            if (Boolean.getBoolean("leo.capture")) {
                Files.createDirectories(SEED.getParent());
                Files.write(SEED, request.toByteArray());
            }
            long started = System.nanoTime();
            byte[] list = ResultKey.capsuleList((LedgerRecord.TaskSubmitted) task.record(), (LedgerRecord.ServicePublished) service.record());
            KeyReleaseClient.Released released = KeyReleaseClient.ask(executor.client(w.ownerPeer()), request, owner.member(), list, T);
            System.out.printf("key release: %.1f ms (the owner Pi's checks, TPM unwrap, sealing, over mutual TLS)%n",
                    (System.nanoTime() - started) / 1e6);
            byte[] aes = AgentKeyWrap.open(agent.keys().getPrivate(), released.sealedKey(),
                    KeyRelease.context(task.seq(), dataAddress.bytes(), agent.certificate()).encode());
            assertThat(new String(CapsuleOpener.open(data.capsule(), aes), StandardCharsets.UTF_8)).isEqualTo("Alice's colour picture");
            assertThat(released.resultKey()).as("the owner's TPM wrap key, signed for the task and its capsule list").contains(tpm.wrapKeyPublic().publicKey());
            List<byte[]> added = new java.util.ArrayList<>(((LedgerRecord.TaskSubmitted) task.record()).dataCapsules());
            added.add(0, Lab.sha256("the executor's own capsule"));
            added.add(codeAddress.bytes());
            assertThat(KeyReleaseClient.ask(executor.client(w.ownerPeer()), request, owner.member(),
                    org.leo.protocol.capsule.TaskCapsuleList.digest(added), T).resultKey())
                    .as("checked against a capsule list the ledger does not hold (one capsule added), the result key is not taken").isEmpty();
            assertThatThrownBy(() -> AgentKeyWrap.open(agent.keys().getPrivate(), released.sealedKey(),
                    KeyRelease.context(task.seq() + 1, dataAddress.bytes(), agent.certificate()).encode()))
                    .as("the sealed key opens for this task only").isInstanceOf(KeyWrapException.class);
            started = System.nanoTime();
            KeyReleaseClient.Released codeKey = KeyReleaseClient.ask(executor.client(w.ownerPeer()),
                    with(request).setCapsuleAddress(ByteString.copyFrom(codeAddress.bytes())).build(), owner.member(), list, T);
            assertThat(new String(CapsuleOpener.open(code.capsule(), AgentKeyWrap.open(agent.keys().getPrivate(), codeKey.sealedKey(),
                    KeyRelease.context(task.seq(), codeAddress.bytes(), agent.certificate()).encode())), StandardCharsets.UTF_8))
                    .isEqualTo("Bob's grey filter");
            System.out.printf("key release of the code capsule: %.1f ms%n", (System.nanoTime() - started) / 1e6);

            // Carol's capsule, offered for the service: her Pi releases it, with her own result key signed by her member key
            KeyReleaseClient.Released carols = KeyReleaseClient.ask(executor.client(w.peers.member(carol.member()).orElseThrow()),
                    with(request).setCapsuleAddress(ByteString.copyFrom(offered.bytes())).build(), carol.member(), list, T);
            assertThat(new String(CapsuleOpener.open(carolsNames.capsule(), AgentKeyWrap.open(agent.keys().getPrivate(), carols.sealedKey(),
                    KeyRelease.context(task.seq(), offered.bytes(), agent.certificate()).encode())), StandardCharsets.UTF_8)).isEqualTo("Carol's names");
            assertThat(carols.recipient()).as("Carol's Pi's result key, signed by Carol for the task and its capsule list").isPresent();
            assertThat(carols.recipient().get().ownerMemberKey()).isEqualTo(carol.member());
            assertThat(KeyReleaseClient.ask(executor.client(w.peers.member(carol.member()).orElseThrow()),
                    with(request).setCapsuleAddress(ByteString.copyFrom(offered.bytes())).build(), owner.member(), list, T).recipient())
                    .as("checked against another member's key, her result key is not taken").isEmpty();
            // the capsule header's requirements and the offer, checked by the capsule owner's Pi
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(notOffered.bytes())).build(), "NOT_OFFERED",
                    "is not offered for service #" + service.seq() + " (task #" + task.seq() + " of member " + owner.memberHex() + "); offered for no service");
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(offeredElsewhere.bytes())).build(), "NOT_OFFERED",
                    "offered for service(s) [" + (service.seq() + 1) + "]");
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(otherImage.bytes())).build(), "CAPSULE_IMAGE",
                    "requires image sha256:" + "cd".repeat(32) + ", the task's service #" + service.seq() + " runs " + TaskLab.REQUIREMENTS.imageDigest());
            w.refused(0, executor, with(request).setCapsuleAddress(ByteString.copyFrom(highCredit.bytes())).build(), "CAPSULE_CREDIT",
                    "requires executor credit >= 100 and monitor credit >= 0, the task asks only 0 and 0");
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(highMonitorCredit.bytes())).build(), "CAPSULE_CREDIT",
                    "requires executor credit >= 0 and monitor credit >= 5");
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(alicesHeldByCarol.bytes())).build(), "NOT_TASK_CAPSULE",
                    "is owned by member " + owner.memberHex() + ", not by this Pi's");
            w.refused(1, executor, with(request).setCapsuleAddress(ByteString.copyFrom(unstored.bytes())).build(), "NOT_TASK_CAPSULE",
                    "this Pi's store has no capsule " + unstored.hex());
            w.refused(0, executor, with(request).setCapsuleAddress(ByteString.copyFrom(offered.bytes())).build(), "NOT_TASK_CAPSULE",
                    "holds no wrapped key"); // Alice's Pi has no key of Carol's capsule

            // attacks on the request, each refused with its reason and counted by the owner's Pi
            w.refused(notExecutor, request, "NOT_EXECUTOR", "is not the executor of task #" + task.seq()); // the executor's request, replayed
            w.refused(executor, with(request).setCapsuleAddress(ByteString.copyFrom(foreignAddress.bytes())).build(), "NOT_TASK_CAPSULE",
                    "is neither a data capsule of the task");
            w.refused(executor, with(request).setCapsuleAddress(ByteString.copyFrom(unkeyed.bytes())).build(), "NOT_TASK_CAPSULE",
                    "holds no wrapped key");
            w.refused(executor, with(request).setTaskSeq(task.seq() + 500).build(), "UNKNOWN_TASK", "is not a task");
            w.refused(executor, with(request).setGroupEntrySeq(task.seq()).build(), "NO_GROUP", "is not the group of task");
            w.refused(executor, with(request).setCapsuleAddress(ByteString.copyFrom(new byte[31])).build(), "OVERSIZED",
                    "capsule_address: 31 bytes, expected 32");
            KeyReleaseRequest.Builder longChain = with(request);
            for (int i = 0; i < 4; i++) {
                longChain.addAgentCertificateChainDer(ByteString.copyFrom(agent.certificate().getEncoded()));
            }
            w.refused(executor, longChain.build(), "OVERSIZED", "agent_certificate_chain_der: 5 entries, at most 4");

            // the evidence and the agent certificate
            TaskLab.Agent otherAgent = TaskLab.agent(w.cas.get(exec), TaskLab.hpc(exec), "a monitor's nonce");
            w.refused(executor, with(request).setEvidence(otherAgent.evidence()).build(), "BAD_EVIDENCE",
                    "the evidence is not signed by the agent certificate's key"); // the same body, signed by another agent key
            w.refused(executor, with(request).setEvidence(TaskLab.evidence(agent.keys().getPrivate(), "another nonce")).build(), "BAD_EVIDENCE",
                    "is none that a monitor judged");
            int otherPi = (exec + 1) % PIS;
            TaskLab.Agent anotherNodes = TaskLab.agent(w.cas.get(otherPi), TaskLab.hpc(otherPi), "a monitor's nonce");
            w.refused(executor, KeyReleaseClient.request(task.seq(), dataAddress, entries, anotherNodes.evidence(), anotherNodes.chain(),
                    anotherNodes.caDer()), "BAD_AGENT_CERTIFICATE", "the peer list publishes");
            w.refused(executor, with(request).setAgentCertificateChainDer(0, ByteString.copyFrom(anotherNodes.certificate().getEncoded())).build(),
                    "BAD_AGENT_CERTIFICATE", "does not chain to the Pi's CA"); // another Pi's CA's certificate under the executor's CA
            TaskLab.Agent wrongHpc = TaskLab.agent(w.cas.get(exec), TaskLab.hpc(otherPi), "a monitor's nonce");
            w.refused(executor, with(request).setAgentCertificateChainDer(0, ByteString.copyFrom(wrongHpc.certificate().getEncoded())).build(),
                    "BAD_AGENT_CERTIFICATE", "not HPC " + TaskLab.hpc(exec));

            // certificates that do not attest this executor's HPC for this task now
            byte[] ev = agent.evidenceSha256();
            int attempt = 1;
            RoundId untrusted = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            assertWrongCertificate(w, executor, request, w.certify(untrusted, Verdict.Outcome.UNTRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, untrusted, Verdict.Outcome.UNTRUSTED, monitors, ev)), "is UNTRUSTED");
            RoundId ofAnotherTask = new TaskRound(task.seq() + 7, TaskRound.Phase.ATTEST, 0).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            assertWrongCertificate(w, executor, request, w.certify(ofAnotherTask, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, ofAnotherTask, Verdict.Outcome.TRUSTED, monitors, ev)), "not a round of task #" + task.seq());
            RoundId scheduled = new RoundId(groupEntry.hash(), TaskLab.hpc(exec), 29_000_000L);
            assertWrongCertificate(w, executor, request, w.certify(scheduled, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, scheduled, Verdict.Outcome.TRUSTED, monitors, ev)), "not a round of task #" + task.seq());
            RoundId otherHpc = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(otherPi));
            assertWrongCertificate(w, executor, request, w.certify(otherHpc, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, otherHpc, Verdict.Outcome.TRUSTED, monitors, ev)), "which the peer list does not list");
            RoundId beforeGroup = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(task.hash(), TaskLab.hpc(exec));
            assertWrongCertificate(w, executor, request, w.certify(beforeGroup, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, beforeGroup, Verdict.Outcome.TRUSTED, monitors, ev)), "drawn at another head");
            RoundId cleanup = new TaskRound(task.seq(), TaskRound.Phase.CLEANUP, 0).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            assertWrongCertificate(w, executor, request, w.certify(cleanup, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, cleanup, Verdict.Outcome.TRUSTED, monitors, ev)), "not an attest round");
            // the first certificate is superseded by the later rounds of the task
            w.refused(executor, request, "STALE_CERTIFICATE", "is superseded by entry #");

            // forged or insufficient monitor verdicts, each in a new attempt
            String execHex = w.keys.get(exec).memberHex();
            RoundId r1 = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            List<Verdict> withExecutor = new ArrayList<>(TaskLab.verdicts(w.keys, groupEntry, r1, Verdict.Outcome.TRUSTED, monitors, ev));
            withExecutor.addAll(TaskLab.verdicts(w.keys, groupEntry, r1, Verdict.Outcome.TRUSTED, List.of(execHex), Lab.sha256("x")));
            assertBadVerdicts(w, executor, request, w.certify(r1, Verdict.Outcome.TRUSTED, withExecutor), execHex + " signed a verdict but is not a monitor");
            RoundId r2 = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            List<Verdict> inflated = new ArrayList<>(TaskLab.verdicts(w.keys, groupEntry, r2, Verdict.Outcome.TRUSTED, monitors, ev));
            LedgerRecord.GroupClaim firstClaim = TaskLab.claimOf(groupEntry, monitors.get(0));
            inflated.set(0, TaskLab.keysOf(w.keys, monitors.get(0)).sign(r2, (int) firstClaim.votes() + 3, firstClaim.proof(), Verdict.Outcome.TRUSTED, ev));
            assertBadVerdicts(w, executor, request, w.certify(r2, Verdict.Outcome.TRUSTED, inflated), "and a proof other than its claim's");
            RoundId r3 = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            List<Verdict> forged = new ArrayList<>(TaskLab.verdicts(w.keys, groupEntry, r3, Verdict.Outcome.TRUSTED, monitors, ev));
            byte[] enc = forged.get(0).encode();
            enc[enc.length - 1] ^= 1;
            forged.set(0, Verdict.decode(enc));
            assertBadVerdicts(w, executor, request, w.certify(r3, Verdict.Outcome.TRUSTED, forged), "verdict signature does not verify");
            String weakest = group.monitors().stream().min(java.util.Comparator.comparingLong(c -> c.votes())).orElseThrow().memberId();
            long monitorVotes = group.monitors().stream().mapToLong(c -> c.votes()).sum();
            if (TaskLab.claimOf(groupEntry, weakest).votes() < QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, (int) monitorVotes)) {
                RoundId r4 = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt++).roundId(groupEntry.hash(), TaskLab.hpc(exec));
                assertBadVerdicts(w, executor, request, w.certify(r4, Verdict.Outcome.TRUSTED,
                        TaskLab.verdicts(w.keys, groupEntry, r4, Verdict.Outcome.TRUSTED, List.of(weakest), ev)), "are fewer than the");
            }

            // a fresh, sound certificate: released again; and no longer once this Pi saw it longer ago than its bound
            RoundId fresh = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, attempt).roundId(groupEntry.hash(), TaskLab.hpc(exec));
            LedgerEntry freshEntry = w.certify(fresh, Verdict.Outcome.TRUSTED,
                    TaskLab.verdicts(w.keys, groupEntry, fresh, Verdict.Outcome.TRUSTED, monitors, ev));
            KeyReleaseRequest again = with(request).setCertificateEntrySeq(freshEntry.seq()).build();
            assertThat(KeyReleaseClient.find(w.ledger, task.seq()).orElseThrow().certificate().seq()).isEqualTo(freshEntry.seq());
            assertThat(w.ask(executor, again).hasReleased()).isTrue();
            w.clock.advance(TaskConfig.DEFAULT_RELEASE_FRESHNESS.plusSeconds(1));
            w.refused(executor, again, "STALE_CERTIFICATE", "appeared 601 s ago, more than the 600 s this Pi allows");
        }
    }

    static Optional<LedgerEntry> groupOf(World w, long taskSeq) {
        return w.ledger.entries(taskSeq, 10_000).stream().filter(e -> e.record() instanceof LedgerRecord.GroupElected g && g.taskSeq() == taskSeq)
                .findFirst();
    }

    static void assertWrongCertificate(World w, ConsensusNode executor, KeyReleaseRequest request, LedgerEntry cert, String sentence) {
        w.refused(executor, with(request).setCertificateEntrySeq(cert.seq()).build(), "WRONG_CERTIFICATE", sentence);
    }

    static void assertBadVerdicts(World w, ConsensusNode executor, KeyReleaseRequest request, LedgerEntry cert, String sentence) {
        w.refused(executor, with(request).setCertificateEntrySeq(cert.seq()).build(), "BAD_VERDICTS", sentence);
    }

    /** Regression: claims were held only in the owner Pi's memory, so a restart in the window lost every acknowledged claim. */
    @Test
    void aRestartOfTheOwnersPiInTheClaimWindowLosesNoClaim() throws Exception {
        try (SwtpmProcess sw = SwtpmProcess.start(); Tpm tpm = Tpm.open(sw.endpoint()); World w = new World(tpm)) {
            MemberKeys owner = w.keys.get(0);
            LedgerEntry service = TaskLab.service(w.ledger, owner, Lab.sha256("code"));
            LedgerEntry task = TaskLab.task(w.ledger, owner, service.seq(), List.of(Lab.sha256("data")));
            List<LedgerRecord.GroupClaim> honest = TaskLab.claims(w.keys, w.fleetLedger, task);
            assumeThat(honest.size()).as("at least an executor and a monitor drawn").isGreaterThanOrEqualTo(2);
            await(() -> w.tasks.get(0).claims().counted(task.seq()) == honest.size(), "the drawn members' claims are counted");

            TaskService restarted = w.owner().restartTasks(TaskConfig.defaults(), tpm, WrappedKeys.directory(tmp.resolve("keys-0")),
                    FileCapsuleStore.open(tmp.resolve("store-0"), new SimpleMeterRegistry()));
            // the restarted Pi reopened the window with nothing in memory (its first count races the first re-sends, so it is not asserted)
            assertThat(restarted).isNotSameAs(w.tasks.get(0));
            await(() -> restarted.claims().counted(task.seq()) == honest.size(), "the members' re-sent claims are counted again");
            assertThat(w.owner().refusals().count("REPEATED_CLAIM")).as("a re-sent claim is no repeated claim").isZero();

            w.clock.advance(TaskConfig.DEFAULT_CLAIM_WINDOW.plusSeconds(1));
            await(() -> groupOf(w, task.seq()).isPresent(), "GroupElected is appended");
            assertThat(((LedgerRecord.GroupElected) groupOf(w, task.seq()).orElseThrow().record()).claims())
                    .usingRecursiveFieldByFieldElementComparator().as("every claim counted before the restart is in the group").isEqualTo(honest);
            await(() -> restarted.pendingClaims() == 0 && w.tasks.subList(1, PIS).stream().allMatch(t -> t.pendingClaims() == 0),
                    "the members stop re-sending once the group is on the ledger");
        }
    }
}
