package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;

/**
 * The owner's side of results ({@link OwnResults}) fed ledger entries as the task service's watch passes them, with the
 * executor's Pi (member 1) listed at a port nothing listens on: a real FetchResult over mutual TLS that cannot connect.
 * This Pi is member 0. (The fetch that succeeds is TaskExecutionTest's, in the lab fleet.)
 */
class OwnResultsTest {
    static final OwnResults.Config RETRIES = OwnResults.Config.defaults().withRetries(3, Duration.ofMillis(20), Duration.ofMillis(40));

    @TempDir
    Path dir;

    final ExecutorService work = Executors.newCachedThreadPool();
    final AtomicInteger asked = new AtomicInteger();
    final List<FleetClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        work.shutdownNow();
        for (FleetClient c : clients) {
            c.close();
        }
    }

    private OwnResults results(int executorPort) throws Exception {
        PeerList peers = PeerList.of(List.of(Lab.listed(Lab.keys(1), executorPort)));
        Refusals refusals = new Refusals(new SimpleMeterRegistry());
        return new OwnResults(Lab.keys(0).member(), () -> peers, p -> {
            asked.incrementAndGet();
            FleetClient c = new FleetClient(p, Lab.keys(0).tlsIdentity(Clock.systemUTC().instant()), refusals);
            clients.add(c);
            return c;
        }, dir, RETRIES, Clock.systemUTC(), work);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static LedgerEntry entry(long seq, LedgerRecord r) {
        return new LedgerEntry(seq, r, new byte[32], Lab.sha256("entry " + seq));
    }

    /** Task #{@code seq} of member {@code owner}, its group (#seq+1, executor member 1, member 0 a monitor). */
    private static void taskAndGroup(OwnResults r, long seq, int owner) {
        r.task(entry(seq, Lab.keys(owner).signTask(3, List.of(new byte[32]), 2, 0, 0, 10, 100)), false);
        List<LedgerRecord.GroupClaim> claims = java.util.stream.Stream.of(Lab.keys(0), Lab.keys(1)).map(k -> new LedgerRecord.GroupClaim(k.member(), 1,
                new byte[80])).sorted((x, y) -> java.util.Arrays.compareUnsigned(x.member(), y.member())).toList();
        r.group(entry(seq + 1, new LedgerRecord.GroupElected(seq, Lab.keys(1).member(), claims)), false);
    }

    private static LedgerEntry settled(long seq, long taskSeq) {
        return entry(seq, new LedgerRecord.TaskSettled(taskSeq, seq - 1, List.of(new LedgerRecord.Share(Lab.keys(1).member(), false),
                new LedgerRecord.Share(Lab.keys(0).member(), false))));
    }

    /** Ticks until {@code task} is no longer followed (bounded). */
    private static boolean tickUntilDone(OwnResults r, long task) throws InterruptedException {
        return KeyReleaseTest.await(() -> {
            r.tick();
            return !r.follows(task);
        });
    }

    @Test
    void anUnreachableExecutorIsAskedOnTheBoundedScheduleThenLeftToTheCommand() throws Exception {
        OwnResults r = results(closedPort());
        taskAndGroup(r, 10, 0);
        r.tick();
        assertThat(asked).as("nothing asked before the task ended").hasValue(0);
        r.ended(settled(14, 10), false);
        assertThat(tickUntilDone(r, 10)).as("given up within the bound").isTrue();
        assertThat(asked).as("the three attempts of the schedule, no more").hasValue(3);
        r.tick();
        assertThat(asked).hasValue(3);
        assertThat(r.store().path(10)).doesNotExist();
    }

    @Test
    void aStoredResultIsNeverFetchedAgain() throws Exception {
        OwnResults r = results(closedPort());
        taskAndGroup(r, 10, 0);
        r.store().put(10, new byte[] {1, 2, 3}); // fetched before a restart
        r.ended(settled(14, 10), true);
        assertThat(tickUntilDone(r, 10)).isTrue();
        assertThat(asked).hasValue(0);
        assertThat(Files.readAllBytes(r.store().path(10))).containsExactly(1, 2, 3);
    }

    @Test
    void onlyOwnTasksAreFollowedAndAnExpiredOneNoLonger() throws Exception {
        OwnResults r = results(closedPort());
        taskAndGroup(r, 10, 1); // member 1's task
        assertThat(r.follows(10)).isFalse();
        r.ended(settled(14, 10), false);
        r.tick();
        assertThat(asked).hasValue(0);
        var agent = Lab.keys(5).tlsIdentity(Clock.systemUTC().instant()).certificate(); // any certificate stands for the agent's
        var again = Lab.keys(6).tlsIdentity(Clock.systemUTC().instant()).certificate();
        r.released(10, agent);
        assertThat(OwnResults.agents(dir, 10)).as("no agent kept for another member's task").isEmpty();

        taskAndGroup(r, 20, 0);
        assertThat(r.follows(20)).isTrue();
        r.released(20, agent);
        r.released(20, agent);
        r.released(20, again); // a second agent: the executor re-attested after a restart
        assertThat(OwnResults.agents(dir, 20)).containsExactly(agent, again);
        r.ended(entry(30, new LedgerRecord.TaskExpired(20)), false);
        assertThat(r.follows(20)).isFalse();
    }

    /** Another member's task that names a data capsule of this Pi's (one whose key it holds) is followed: its copy is this Pi's. */
    @Test
    void anotherMembersTaskWithADataCapsuleOfThisPisIsFollowed() throws Exception {
        byte[] mine = Lab.sha256("this Pi's names");
        PeerList peers = PeerList.of(List.of(Lab.listed(Lab.keys(1), closedPort())));
        OwnResults r = new OwnResults(Lab.keys(0).member(), a -> a.matches(mine), () -> peers, p -> {
            asked.incrementAndGet();
            FleetClient c = new FleetClient(p, Lab.keys(0).tlsIdentity(Clock.systemUTC().instant()), new Refusals(new SimpleMeterRegistry()));
            clients.add(c);
            return c;
        }, dir, RETRIES, Clock.systemUTC(), work);
        r.task(entry(10, Lab.keys(1).signTask(3, List.of(new byte[32], mine), 2, 0, 0, 10, 100)), false);
        r.task(entry(11, Lab.keys(1).signTask(3, List.of(new byte[32]), 2, 0, 0, 10, 100)), false);
        assertThat(r.follows(10)).as("member 1's task with this Pi's data").isTrue();
        assertThat(r.follows(11)).as("member 1's task without").isFalse();
        var agent = Lab.keys(5).tlsIdentity(Clock.systemUTC().instant()).certificate();
        r.released(10, agent);
        assertThat(OwnResults.agents(dir, 10)).as("the agent its data key went to, kept for its copy's check").containsExactly(agent);
    }
}
