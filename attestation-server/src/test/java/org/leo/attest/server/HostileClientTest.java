package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.AgentIdentity;
import org.leo.agent.Responder;
import org.leo.attest.ca.ApplianceCa;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.boot.net.MacAddress;

/**
 * Clients that must be refused, each with a clear status for the client and a reason in the
 * server's log: no certificate, another CA's, an expired or revoked one, replayed evidence,
 * evidence signed by the wrong key, a stale nonce, an unknown challenge; and enrollments that lie.
 */
class HostileClientTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;
    TestAppliance appliance;
    String nonce;

    @BeforeEach
    void start() throws Exception {
        appliance = new TestAppliance(tmp, AttestationLoopTest.fastPolicy(), Duration.ofHours(1));
        nonce = appliance.boot(MAC);
    }

    @AfterEach
    void stop() throws Exception {
        appliance.close();
    }

    TestAppliance.Enrolled enroll(AgentIdentity id, byte[] csr, String mac, String cmdline) throws Exception {
        return appliance.enroll(id, csr, mac, cmdline);
    }

    TestAppliance.Enrolled enroll() throws Exception {
        AgentIdentity id = AgentIdentity.generate(MAC.toString());
        return enroll(id, id.csr(MAC.toString()), MAC.toString(), TestAppliance.cmdline(nonce));
    }

    RawAgent stream(TestAppliance.Enrolled e) throws Exception {
        return appliance.stream(e);
    }

    String lastRefusal() {
        var r = appliance.server.recentRefusals();
        return r.isEmpty() ? "" : r.get(r.size() - 1).why();
    }

    @Test
    void noClientCertificateIsUnauthenticated() throws Exception {
        try (RawAgent raw = new RawAgent(appliance.server.attestationPort(), appliance.ca.fingerprint(), null)) {
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(s.getDescription()).isEqualTo("a verified TLS client certificate is required");
        }
        assertThat(lastRefusal()).startsWith("no client certificate (leo.attest.v1.Attestation/Attest)");
    }

    @Test
    void anotherCasCertificateIsRefusedInTheHandshake() throws Exception {
        ApplianceCa other = ApplianceCa.loadOrCreate(tmp.resolve("other-ca"), Clock.systemUTC());
        KeyPair kp = ApplianceCa.newKeyPair();
        X509Certificate cert = other.issueClient(kp.getPublic(), MAC.toString(), Duration.ofHours(1));
        try (RawAgent raw = new RawAgent(appliance.server.attestationPort(), appliance.ca.fingerprint(), kp.getPrivate(), cert)) {
            assertThat(raw.awaitClose().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        // Same CA name, other key: only the signature tells them apart.
        assertThat(lastRefusal()).isEqualTo("client certificate 'O=Leo HPC,CN=52:54:00:77:00:10' (serial "
                + cert.getSerialNumber().toString(16) + ") does not carry the appliance CA's signature (Signature does not match.)");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        ApplianceCa past = ApplianceCa.loadOrCreate(tmp.resolve("ca"), Clock.fixed(Instant.now().minus(Duration.ofHours(3)), ZoneOffset.UTC));
        KeyPair kp = ApplianceCa.newKeyPair();
        X509Certificate cert = past.issueClient(kp.getPublic(), MAC.toString(), Duration.ofHours(1));
        try (RawAgent raw = new RawAgent(appliance.server.attestationPort(), appliance.ca.fingerprint(), kp.getPrivate(), cert)) {
            assertThat(raw.awaitClose().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(lastRefusal()).contains("expired at " + cert.getNotAfter().toInstant());
    }

    @Test
    void aRevokedCertificateIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        appliance.revocations.revoke(e.chain()[0].getSerialNumber(), "HPC decommissioned");
        try (RawAgent raw = stream(e)) {
            assertThat(raw.awaitClose().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(lastRefusal()).contains("(serial " + e.chain()[0].getSerialNumber().toString(16) + ") was revoked at")
                .endsWith(": HPC decommissioned");
    }

    @Test
    void replayedEvidenceIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        Responder responder = new Responder(new SimulatedHost(TestAppliance.cmdline(nonce)));
        try (RawAgent raw = stream(e)) {
            Evidence first = responder.answer(raw.nextChallenge(), e.id().privateKey());
            raw.send(first);
            raw.nextChallenge(); // the baseline was accepted: random challenges follow
            raw.send(first);
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(s.getDescription()).matches("evidence for challenge \\d+ was already received at .* \\(replay\\)");
        }
        assertThat(appliance.awaitVerdict(TestAppliance.finding("evidence.replayed"), 10).severity().name()).isEqualTo("CRITICAL");
    }

    @Test
    void evidenceSignedByAnotherKeyIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        KeyPair other = ApplianceCa.newKeyPair();
        try (RawAgent raw = stream(e)) {
            Challenge c = raw.nextChallenge();
            raw.send(RawAgent.signed(EvidenceBody.newBuilder().setChallengeId(c.getChallengeId()).setNonce(c.getNonce()).setSequence(1).build(),
                    other.getPrivate()));
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(s.getDescription()).isEqualTo("evidence signature does not verify with the key of certificate "
                    + e.chain()[0].getSerialNumber().toString(16));
        }
        appliance.awaitVerdict(TestAppliance.finding("evidence.bad_signature"), 10);
    }

    @Test
    void aStaleNonceIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = stream(e)) {
            Challenge c = raw.nextChallenge();
            raw.send(RawAgent.signed(EvidenceBody.newBuilder().setChallengeId(c.getChallengeId())
                    .setNonce(ByteString.copyFrom(new byte[32])).setSequence(1).build(), e.id().privateKey()));
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(s.getDescription()).startsWith("evidence for challenge " + c.getChallengeId() + " carries nonce 0000000000000000.., the challenge's nonce is ");
        }
        appliance.awaitVerdict(TestAppliance.finding("evidence.wrong_nonce"), 10);
    }

    @Test
    void evidenceForAChallengeNeverSentIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = stream(e)) {
            Challenge c = raw.nextChallenge();
            raw.send(RawAgent.signed(EvidenceBody.newBuilder().setChallengeId(c.getChallengeId() + 1000).setNonce(c.getNonce())
                    .setSequence(1).build(), e.id().privateKey()));
            Status s = raw.awaitClose();
            assertThat(s.getDescription()).isEqualTo("evidence for challenge " + (c.getChallengeId() + 1000)
                    + ", which is not outstanding (unknown or past its deadline)");
        }
    }

    @Test
    void garbageInsteadOfAnEvidenceBodyIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = stream(e)) {
            raw.nextChallenge();
            byte[] junk = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
            raw.send(Evidence.newBuilder().setBody(ByteString.copyFrom(junk))
                    .setSignature(ByteString.copyFrom(org.leo.protocol.EvidenceSignature.sign(e.id().privateKey(), junk))).build());
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).startsWith("evidence body is not an EvidenceBody: ");
        }
    }

    @Test
    void enrollmentWithACsrOverAnotherKeyIsRefused() throws Exception {
        AgentIdentity tls = AgentIdentity.generate(MAC.toString());
        AgentIdentity other = AgentIdentity.generate(MAC.toString());
        assertThatThrownBy(() -> enroll(tls, other.csr(MAC.toString()), MAC.toString(), TestAppliance.cmdline(nonce)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, ex -> {
                    assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(ex.getStatus().getDescription()).isEqualTo("the CSR is over another key than the TLS session's certificate");
                });
    }

    @Test
    void enrollmentClaimingAnotherMacIsRefused() throws Exception {
        AgentIdentity id = AgentIdentity.generate("52:54:00:77:00:99");
        assertThatThrownBy(() -> enroll(id, id.csr("x"), "52:54:00:77:00:99", TestAppliance.cmdline(nonce)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, ex -> assertThat(ex.getStatus().getDescription())
                        .isEqualTo("the agent at 127.0.0.1 says it is 52:54:00:77:00:99, but the lease of that address is held by 52:54:00:77:00:10"));
    }

    @Test
    void enrollmentWithATamperedBootIsRefused() throws Exception {
        // The boot event log shows the kernel sent with another digest than the manifest's.
        String n2 = appliance.boot(MAC);
        appliance.boots.record(new org.leo.boot.events.BootEvent(Instant.now(), java.util.Optional.of(MAC), "127.0.0.1:1",
                org.leo.boot.events.BootStage.FILE_SERVED, org.leo.boot.events.Protocol.TFTP, "vmlinuz", 1000, "33".repeat(32), n2, "kernel"));
        AgentIdentity id = AgentIdentity.generate(MAC.toString());
        assertThatThrownBy(() -> enroll(id, id.csr("x"), MAC.toString(), TestAppliance.cmdline(n2)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, ex -> {
                    assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(ex.getStatus().getDescription()).isEqualTo("vmlinuz was served with sha256 3333333333333333.., the manifest says 1111111111111111..");
                });
    }

    @Test
    void theAgentRefusesAServerWhoseCaIsNotPinned() throws Exception {
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = new RawAgent(appliance.server.attestationPort(), "00".repeat(32), e.id().privateKey(), e.chain())) {
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            Throwable root = s.getCause();
            while (root != null && root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(String.valueOf(root)).contains("the pinned appliance CA is " + "00".repeat(32));
        }
    }
}
