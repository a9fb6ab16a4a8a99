package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.AgentIdentity;
import org.leo.agent.Responder;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Severity;
import org.leo.attest.log.ChainedEntry;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.boot.net.MacAddress;

/**
 * The engine's escape hatches, each tried as the HPC's owner would, with real TLS streams: an old
 * boot's certificate, reconnecting to dodge challenges, reconnect storms, staying silent, never
 * answering the baseline. Each test is named after what it shows refused or contained.
 */
class EscapeHatchTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;
    TestAppliance appliance;

    @AfterEach
    void stop() throws Exception {
        if (appliance != null) {
            appliance.close();
        }
    }

    static Policy policy(String... overrides) {
        Map<String, String> m = new HashMap<>(Map.of(
                "challenge.mean-seconds", "30", "challenge.min-seconds", "20", "challenge.max-seconds", "60",
                "challenge.deadline-seconds", "30", "stream.grace-seconds", "30", "contain.silence-seconds", "600",
                "action.critical", "record,alert,power-cycle", "action.cooldown-seconds", "0"));
        for (int i = 0; i < overrides.length; i += 2) {
            m.put(overrides[i], overrides[i + 1]);
        }
        return Policy.of(m);
    }

    record Enrolled(AgentIdentity id, X509Certificate[] chain, String nonce) {
        X509Certificate cert() {
            return chain[0];
        }
    }

    Enrolled enrollNewBoot() throws Exception {
        String nonce = appliance.boot(MAC);
        AgentIdentity id = AgentIdentity.generate(MAC.toString());
        TestAppliance.Enrolled e = appliance.enroll(id, id.csr(MAC.toString()), MAC.toString(), TestAppliance.cmdline(nonce));
        return new Enrolled(id, e.chain(), nonce);
    }

    RawAgent stream(Enrolled e) throws Exception {
        return new RawAgent(appliance.server.attestationPort(), appliance.ca.fingerprint(), e.id().privateKey(), e.chain());
    }

    /** Answers the baseline on a stream of {@code e}; returns once it is taken. */
    void baseline(Enrolled e) throws Exception {
        Responder responder = new Responder(new SimulatedHost(TestAppliance.cmdline(e.nonce())));
        try (RawAgent raw = stream(e)) {
            raw.send(responder.answer(raw.nextChallenge(), e.id().privateKey()));
            appliance.awaitVerdict(v -> appliance.engine.status(MAC.toString()).map(HpcStatus::baselined).orElse(false), 20);
        }
    }

    /** A link the test drives by hand, recording how it was closed. */
    static final class RecordingLink implements AgentLink {
        final List<Challenge> sent = new CopyOnWriteArrayList<>();
        volatile Status closed;

        @Override
        public boolean send(Challenge c) {
            sent.add(c);
            return closed == null;
        }

        @Override
        public void close(Status status) {
            closed = status;
        }

        @Override
        public String peer() {
            return "10.77.0.66:4242";
        }
    }

    @Test
    void aPreviousBootsCertificateIsRevokedAndCannotOpenAStreamRenewOrTouchTheNewBoot() throws Exception {
        appliance = new TestAppliance(tmp, policy(), Duration.ofHours(1));
        Enrolled first = enrollNewBoot();
        baseline(first);
        Enrolled second = enrollNewBoot();
        baseline(second);
        HpcStatus before = appliance.engine.status(MAC.toString()).orElseThrow();

        // In the TLS handshake: revoked when the newer boot enrolled.
        assertThat(appliance.revocations.lookup(first.cert().getSerialNumber())).hasValueSatisfying(r ->
                assertThat(r.reason()).startsWith("superseded: boot " + second.nonce().substring(0, 16)));
        try (RawAgent raw = stream(first)) {
            assertThat(raw.awaitClose().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        // Behind it, should a revocation be lost: the engine and the renewal check the boot themselves.
        RecordingLink link = new RecordingLink();
        appliance.engine.open(first.cert(), link);
        assertThat(link.closed.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(link.closed.getDescription()).isEqualTo("certificate " + first.cert().getSerialNumber().toString(16) + " belongs to boot "
                + first.nonce().substring(0, 16) + "..; boot " + second.nonce().substring(0, 16) + ".. of this HPC enrolled since");
        assertThat(link.sent).isEmpty();
        appliance.awaitVerdict(TestAppliance.finding("stream.superseded"), 10);
        HpcStatus after = appliance.engine.status(MAC.toString()).orElseThrow();
        assertThat(after.baselined()).isTrue();
        assertThat(after.outstanding()).isEqualTo(before.outstanding());

        AgentIdentity fresh = AgentIdentity.generate(MAC.toString());
        assertThatThrownBy(() -> appliance.enroller.renew(fresh.csr(MAC.toString()), first.cert(), InetAddress.getLoopbackAddress()))
                .isInstanceOfSatisfying(StatusException.class, ex -> {
                    assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(ex.getStatus().getDescription()).contains("of this HPC enrolled since");
                });
    }

    @Test
    void reconnectingDoesNotDodgeChallenges() throws Exception {
        appliance = new TestAppliance(tmp, policy("challenge.mean-seconds", "1", "challenge.min-seconds", "0.5",
                "challenge.max-seconds", "2", "stream.max-opens-per-interval", "1000", "severity.stream.reconnect_storm", "info"),
                Duration.ofHours(1));
        Enrolled e = enrollNewBoot();
        baseline(e);
        // Before the fix, each new stream restarted the schedule and each close cancelled it:
        // an agent reconnecting every 300 ms (faster than the 0.5 s minimum) was never challenged again.
        List<Challenge> got = new CopyOnWriteArrayList<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got.isEmpty() && System.nanoTime() < until) {
            try (RawAgent raw = stream(e)) {
                Challenge c = raw.challenges.poll(300, TimeUnit.MILLISECONDS);
                if (c != null) {
                    got.add(c);
                }
            }
        }
        assertThat(got).as("a challenge reached one of the short-lived streams").isNotEmpty();
    }

    @Test
    void reconnectsFasterThanTheMeanIntervalAreAFindingThenRefused() throws Exception {
        appliance = new TestAppliance(tmp, policy("stream.max-opens-per-interval", "3"), Duration.ofHours(1));
        Enrolled e = enrollNewBoot();
        for (int i = 0; i < 3; i++) {
            try (RawAgent raw = stream(e)) {
                raw.nextChallenge(); // the outstanding baseline, on every stream
            }
        }
        assertThat(appliance.awaitVerdict(TestAppliance.finding("stream.reconnect_storm"), 10).severity()).isEqualTo(Severity.WARNING);
        try (RawAgent raw = stream(e)) {
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(s.getDescription()).isEqualTo("more than 3 streams opened within 30 s; try later");
        }
        assertThat(appliance.verdicts.stream().filter(TestAppliance.finding("stream.reconnect_storm"))).hasSize(1);
    }

    @Test
    void anAgentThatNeverOpensAStreamIsFoundMissingAndContained() throws Exception {
        appliance = new TestAppliance(tmp, policy("challenge.deadline-seconds", "1", "stream.grace-seconds", "1",
                "contain.silence-seconds", "2"), Duration.ofHours(1));
        enrollNewBoot(); // and nothing more: before the fix the engine knew of an HPC only once it opened a stream
        assertThat(appliance.awaitVerdict(TestAppliance.finding("stream.dropped"), 15).findings().get(0).sentence())
                .contains("no attestation stream was opened within 1 s of the enrollment");
        assertThat(appliance.awaitVerdict(TestAppliance.finding("challenge.missed"), 15).findings().get(0).sentence())
                .contains("no answer to baseline challenge").endsWith("; the HPC has no open stream");
        assertThat(appliance.awaitVerdict(TestAppliance.finding("agent.silent"), 15).severity()).isEqualTo(Severity.CRITICAL);
        Await.until(() -> appliance.powerCycles.contains(MAC.toString()), 10);
        assertThat(appliance.log.forHpc(MAC.toString(), 1000).stream().map(ChainedEntry::entry).map(x -> x.eventId()))
                .contains("agent.silent", "action.power-cycle");
    }

    @Test
    void anHpcThatNeverAnswersItsBaselineIsStillChallenged() throws Exception {
        appliance = new TestAppliance(tmp, policy("challenge.mean-seconds", "0.5", "challenge.min-seconds", "0.2",
                "challenge.max-seconds", "1", "challenge.deadline-seconds", "1"), Duration.ofHours(1));
        Enrolled e = enrollNewBoot();
        try (RawAgent raw = stream(e)) {
            Challenge first = raw.nextChallenge();
            Challenge next = raw.nextChallenge(); // before the fix: nothing after a baseline that got no answer
            assertThat(next.getChallengeId()).isNotEqualTo(first.getChallengeId());
            assertThat(next.getChecksCount()).as("another full baseline challenge").isEqualTo(first.getChecksCount());
            // The later baseline is answered: it is taken.
            Responder responder = new Responder(new SimulatedHost(TestAppliance.cmdline(e.nonce())));
            raw.send(responder.answer(next, e.id().privateKey()));
            Await.until(() -> appliance.engine.status(MAC.toString()).map(HpcStatus::baselined).orElse(false), 10);
        }
        appliance.awaitVerdict(TestAppliance.finding("challenge.missed"), 10);
    }

    @Test
    void aSilentStreamIsContainedAfterTheSilenceBound() throws Exception {
        appliance = new TestAppliance(tmp, policy("challenge.mean-seconds", "0.5", "challenge.min-seconds", "0.2",
                "challenge.max-seconds", "1", "challenge.deadline-seconds", "1", "contain.silence-seconds", "2"), Duration.ofHours(1));
        Enrolled e = enrollNewBoot();
        baseline(e);
        try (RawAgent raw = stream(e)) { // open, and answers nothing
            assertThat(appliance.awaitVerdict(TestAppliance.finding("agent.silent"), 20).findings().get(0).sentence())
                    .contains("no valid answer since").contains("stream open from 127.0.0.1:");
            Await.until(() -> appliance.powerCycles.contains(MAC.toString()), 10);
        }
    }

    /** Bounded waits for state the engine writes asynchronously. */
    static final class Await {
        static void until(java.util.function.BooleanSupplier done, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("not within " + seconds + " s");
                }
                Thread.sleep(20);
            }
        }
    }
}
