package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.leo.attest.ca.ApplianceCa;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;

/**
 * Fuzzes the capsule owner's Pi's check of a key release request ({@link KeyReleaseCheck}) over a world where an honest
 * request passes (members, a task, its group, a TRUSTED ATTEST certificate, the executor's agent): the input is parsed
 * as a request on its own, and merged over the honest request so that the fuzzer works near one that passes. The check
 * never throws, and answers a release or a refusal with a known reason. Seeded with the request {@code KeyReleaseTest}
 * captures ({@code -Dleo.capture=true}).
 */
class KeyReleaseCheckFuzzTest {
    static Path dir;
    static EmbeddedLedger ledger;
    static KeyReleaseCheck check;
    static KeyReleaseRequest honest;
    static byte[] executor;
    static final Set<String> REASONS = Stream.concat(EnumSet.allOf(TaskRefusal.class).stream().map(Enum::name), Stream.of("OVERSIZED"))
            .collect(Collectors.toSet());

    @BeforeAll
    static void world() throws Exception {
        dir = Files.createTempDirectory("leo-release-fuzz");
        ledger = EmbeddedLedger.open(dir.resolve("ledger.db"));
        FleetLedger fleet = new FleetLedger(ledger);
        List<MemberKeys> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            keys.add(Lab.keys(40 + i));
        }
        TaskLab.admit(ledger, keys);
        org.leo.consensus.capsule.FileCapsuleStore store = org.leo.consensus.capsule.FileCapsuleStore.open(dir.resolve("store"),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        byte[] data = store.put(org.leo.protocol.capsule.CapsuleFile.encode(TaskLab.seal(keys.get(0), org.leo.protocol.capsule.CapsuleKind.DATA,
                "data capsule").capsule())).bytes();
        LedgerEntry service = TaskLab.service(ledger, keys.get(0), Lab.sha256("code capsule"));
        LedgerEntry task = TaskLab.task(ledger, keys.get(0), service.seq(), List.of(data));
        LedgerEntry group = ledger.append(TaskLab.groupRecord(keys, fleet, task));
        TaskElection.Group g = TaskLab.group(fleet, task, group);
        String exec = g.executor().orElseThrow().memberId();
        executor = TaskLab.keysOf(keys, exec).member();
        int e = keys.indexOf(TaskLab.keysOf(keys, exec));
        ApplianceCa ca = ApplianceCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        TaskLab.Agent agent = TaskLab.agent(ca, TaskLab.hpc(e), "nonce");
        RoundId round = new TaskRound(task.seq(), TaskRound.Phase.ATTEST, 0).roundId(group.hash(), TaskLab.hpc(e));
        LedgerEntry cert = TaskLab.certify(ledger, round, Verdict.Outcome.TRUSTED, TaskLab.verdicts(keys, group, round, Verdict.Outcome.TRUSTED,
                g.monitors().stream().map(c -> c.memberId()).toList(), agent.evidenceSha256()));
        PeerList peers = PeerList.of(List.of(new PeerList.Peer(executor, "127.0.0.1", 1, Lab.sha256("ak"),
                Optional.of(Lab.sha256Bytes(ca.certificate().getEncoded())), List.of(TaskLab.hpc(e)))));
        check = new KeyReleaseCheck(keys.get(0).member(), fleet, peers, a -> Optional.of(new byte[256]), store, seq -> Optional.of(Instant.now()),
                Duration.ofMinutes(10));
        honest = KeyReleaseClient.request(task.seq(), ContentAddress.ofDigest(data), new KeyReleaseClient.Entries(group, cert), agent.evidence(),
                agent.chain(), agent.caDer());
        assertThat(check.check(honest, executor, Instant.now()).release()).as("the honest request passes").isPresent();
    }

    @AfterAll
    static void close() throws Exception {
        ledger.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void checkNeverThrows(byte[] input) {
        KeyReleaseRequest alone;
        KeyReleaseRequest near;
        try {
            alone = KeyReleaseRequest.parseFrom(input);
            near = honest.toBuilder().mergeFrom(input).build();
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        for (KeyReleaseRequest r : List.of(alone, near)) {
            KeyReleaseCheck.Outcome o = check.check(r, executor, Instant.now());
            assertThat(o.release().isPresent() || REASONS.contains(o.reason())).as(o.reason() + ": " + o.message()).isTrue();
            assertThat(o.release().isPresent() == o.reason().isEmpty()).isTrue();
        }
    }
}
