package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.AgentIdentity;
import org.leo.agent.EvidenceSource;
import org.leo.agent.Responder;
import org.leo.attest.appraise.Appraiser;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Printable;
import org.leo.attest.appraise.Severity;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.ca.ApplianceCa;
import org.leo.attest.ca.Pem;
import org.leo.attest.enroll.Enroller;
import org.leo.protocol.attest.v1.BootFacts;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.EnrollmentGrpc;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;
import org.leo.protocol.attest.v1.TpmQuoteCheck;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.TpmQuote;
import org.leo.boot.net.MacAddress;

/**
 * The red team's attacks on the Pi's side, each with real TLS streams on loopback and named after
 * what it shows refused or found: certificates of the appliance CA that are not for client
 * authentication, an answer without the enrolled boot nonce, evidence over a cap, short or of the
 * wrong kind, another TPM behind the same HPC, and guessing at enrollment. The agent's side (a man
 * in the middle posing as the Pi) is {@code PinnedServerTrustTest} in hpc-agent.
 */
class RedTeamTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final String HPC = MAC.toString();

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

    // --- the attestation port's clientAuth check ---------------------------------------------

    @Test
    void theServersOwnCertificateIsRefusedAsAClientCertificate() throws Exception {
        // Someone who got hold of a server certificate and its key (a Pi's, or one the CA issued for a
        // test) must not attest as an HPC with it: it carries serverAuth only.
        KeyPair kp = ApplianceCa.newKeyPair();
        X509Certificate server = appliance.ca.issueServer(kp.getPublic(), List.of("127.0.0.1"), Duration.ofHours(1));
        assertRefusedInTheHandshake(kp.getPrivate(), server);
        assertThat(lastRefusal()).isEqualTo("client certificate 'O=Leo,CN=Leo attestation server' (serial "
                + server.getSerialNumber().toString(16) + ") is not for client authentication");
    }

    @Test
    void aCaIssuedCertificateForServerAuthOnlyIsRefusedAsAClientCertificate() throws Exception {
        // Named like an enrolled HPC's, signed by the appliance CA, but for serverAuth only; and one
        // with no extended key usage at all (which X.509 reads as "any purpose").
        KeyPair kp = ApplianceCa.newKeyPair();
        X509Certificate serverAuth = issueWithCaKey(kp, KeyPurposeId.id_kp_serverAuth);
        assertRefusedInTheHandshake(kp.getPrivate(), serverAuth);
        assertThat(lastRefusal()).isEqualTo("client certificate 'O=Leo HPC,CN=52:54:00:77:00:10' (serial "
                + serverAuth.getSerialNumber().toString(16) + ") is not for client authentication");
        X509Certificate anyPurpose = issueWithCaKey(kp, null);
        assertRefusedInTheHandshake(kp.getPrivate(), anyPurpose);
        assertThat(lastRefusal()).isEqualTo("client certificate 'O=Leo HPC,CN=52:54:00:77:00:10' (serial "
                + anyPurpose.getSerialNumber().toString(16) + ") is not for client authentication");
    }

    void assertRefusedInTheHandshake(PrivateKey key, X509Certificate cert) throws Exception {
        try (RawAgent raw = new RawAgent(appliance.server.attestationPort(), appliance.ca.fingerprint(), key, cert, appliance.ca.certificate())) {
            assertThat(raw.awaitClose().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        assertThat(appliance.engine.status(HPC)).isEmpty();
    }

    /** A client certificate as ApplianceCa shapes one, but with {@code purpose} (none if null), signed with the CA's key. */
    X509Certificate issueWithCaKey(KeyPair subject, KeyPurposeId purpose) throws Exception {
        PrivateKey caKey = Pem.readPrivateKey(tmp.resolve("ca").resolve(ApplianceCa.KEY_FILE));
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(appliance.ca.certificate(), new BigInteger(127, new java.security.SecureRandom()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofHours(1))), new X500Name("CN=" + HPC + ",O=Leo HPC"), subject.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        if (purpose != null) {
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey)));
    }

    String lastRefusal() {
        var r = appliance.server.recentRefusals();
        return r.isEmpty() ? "" : r.get(r.size() - 1).why();
    }

    // --- the enrolled boot nonce on the kernel command line ----------------------------------

    @Test
    void aCommandLineWithoutTheEnrolledNonceIsFound() throws Exception {
        // After the baseline the HPC runs something else: its command line no longer names this boot.
        Session s = baselined();
        s.host.cmdline = "initrd=initrd.img leo.server=127.0.0.1 console=ttyS0";
        s.answerNext();
        Finding f = finding("os.cmdline.nonce");
        assertThat(f.sentence()).isEqualTo("HPC " + HPC + ": kernel command line no longer carries the enrolled boot nonce "
                + nonce.substring(0, 16) + "..");
        assertThat(f.expected()).isEqualTo("leo.nonce=" + nonce);
        assertThat(f.got()).isEqualTo("initrd=initrd.img leo.server=127.0.0.1 console=ttyS0");
        assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
        s.raw.close();
    }

    @Test
    void leavingTheCommandLineOutOfTheAnswerDoesNotHideTheMissingNonce() throws Exception {
        // The OS check asks for the command line; an answer that simply leaves it out (and the other
        // parts too) must not come out clean.
        Session s = baselined();
        Challenge c = s.raw.nextChallenge();
        EvidenceBody honest = s.body(c);
        EvidenceBody.Builder b = honest.toBuilder();
        for (int i = 0; i < c.getChecksCount(); i++) {
            if (c.getChecks(i).hasOs()) {
                b.setResults(i, CheckResult.newBuilder().setOs(OsResult.getDefaultInstance()));
            }
        }
        s.raw.send(RawAgent.signed(b.build(), s.key()));
        Verdict v = appliance.awaitVerdict(x -> x.challengeId() == c.getChallengeId(), 20);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("evidence.incomplete", "os.cmdline.nonce");
        boolean rootfs = c.getChecksList().stream().filter(Check::hasOs).findFirst().orElseThrow().getOs().getRootFilesystem();
        assertThat(v.findings().get(0).sentence()).isEqualTo("HPC " + HPC + ": the OS result for challenge " + c.getChallengeId()
                + " leaves out the kernel command line, modules, processes" + (rootfs ? ", root file system" : "") + " it was asked for");
        assertThat(v.findings().get(1).sentence()).isEqualTo("HPC " + HPC + ": the answer leaves out the kernel command line, "
                + "so it does not show the enrolled boot nonce " + nonce.substring(0, 16) + "..");
        s.raw.close();
    }

    @Test
    void aBaselineThatLeavesOutTheProcessTableIsNotTaken() throws Exception {
        // Were it taken, the process table would never be compared again: the golden would have none.
        TestAppliance.Enrolled e = enroll();
        Responder responder = new Responder(new SimulatedHost(TestAppliance.cmdline(nonce)));
        try (RawAgent raw = appliance.stream(e)) {
            Challenge c = raw.nextChallenge();
            EvidenceBody honest = EvidenceBody.parseFrom(responder.answer(c, e.id().privateKey()).getBody());
            EvidenceBody.Builder b = honest.toBuilder();
            for (int i = 0; i < c.getChecksCount(); i++) {
                if (c.getChecks(i).hasOs()) {
                    b.setResults(i, CheckResult.newBuilder().setOs(honest.getResults(i).getOs().toBuilder()
                            .clearProcesses().setProcessesIncluded(false)));
                }
            }
            raw.send(RawAgent.signed(b.build(), e.id().privateKey()));
            Finding f = finding("baseline.invalid");
            assertThat(f.sentence()).isEqualTo("HPC " + HPC + ": the baseline answer to challenge " + c.getChallengeId()
                    + " was not taken: the OS result leaves out the processes it was asked for");
            assertThat(appliance.engine.status(HPC).orElseThrow().baselined()).isFalse();
        }
    }

    // --- evidence over a cap, short, or of another kind -----------------------------------------

    @Test
    void evidenceWithMoreResultsThanTheCapIsRefused() throws Exception {
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = appliance.stream(e)) {
            Challenge c = raw.nextChallenge();
            EvidenceBody.Builder b = EvidenceBody.newBuilder().setChallengeId(c.getChallengeId()).setNonce(c.getNonce()).setSequence(1);
            for (int i = 0; i <= Limits.MAX_RESULTS; i++) {
                b.addResults(CheckResult.getDefaultInstance());
            }
            raw.send(RawAgent.signed(b.build(), e.id().privateKey()));
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).isEqualTo("evidence holds 65 results, at most 64");
        }
        Finding f = finding("evidence.oversized");
        assertThat(f.sentence()).isEqualTo("HPC " + HPC + ": evidence holds 65 results, at most 64");
        assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
    }

    @Test
    void evidenceWithMoreProcessesThanTheCapIsRefused() throws Exception {
        // Within gRPC's 4 MiB and the result cap; the process table alone is over its own.
        TestAppliance.Enrolled e = enroll();
        try (RawAgent raw = appliance.stream(e)) {
            Challenge c = raw.nextChallenge();
            OsResult.Builder os = OsResult.newBuilder().setProcessesIncluded(true);
            for (int pid = 0; pid <= Limits.MAX_PROCESSES; pid++) {
                os.addProcesses(ProcessInfo.newBuilder().setPid(pid));
            }
            raw.send(RawAgent.signed(EvidenceBody.newBuilder().setChallengeId(c.getChallengeId()).setNonce(c.getNonce()).setSequence(1)
                    .addResults(CheckResult.newBuilder().setOs(os)).build(), e.id().privateKey()));
            Status s = raw.awaitClose();
            assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).isEqualTo("evidence holds 32769 processes, at most 32768");
        }
        finding("evidence.oversized");
    }

    @Test
    void anAnswerWithFewerResultsThanChecksIsFound() throws Exception {
        Session s = baselined();
        Challenge c = s.raw.nextChallenge();
        EvidenceBody honest = s.body(c);
        List<CheckResult> fewer = honest.getResultsList().subList(0, c.getChecksCount() - 1);
        s.raw.send(RawAgent.signed(honest.toBuilder().clearResults().addAllResults(fewer).build(), s.key()));
        Verdict v = appliance.awaitVerdict(x -> x.challengeId() == c.getChallengeId(), 20);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("evidence.incomplete");
        assertThat(v.findings().get(0).sentence()).isEqualTo("HPC " + HPC + ": the answer to challenge " + c.getChallengeId() + " has "
                + (c.getChecksCount() - 1) + " results for " + c.getChecksCount() + " checks");
        assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
        s.raw.close();
    }

    @Test
    void anAnswerOfAnotherKindThanItsCheckIsFound() throws Exception {
        // The random challenges of this policy are [OS, HARDWARE, NETWORK, TASK_STATE]; the answer swaps the first two.
        Session s = baselined();
        Challenge c = s.raw.nextChallenge();
        assertThat(c.getChecksList()).extracting(Check::getKindCase)
                .containsExactly(Check.KindCase.OS, Check.KindCase.HARDWARE, Check.KindCase.NETWORK, Check.KindCase.TASK_STATE);
        EvidenceBody honest = s.body(c);
        EvidenceBody swapped = honest.toBuilder().setResults(0, honest.getResults(1)).setResults(1, honest.getResults(0)).build();
        s.raw.send(RawAgent.signed(swapped, s.key()));
        Verdict v = appliance.awaitVerdict(x -> x.challengeId() == c.getChallengeId(), 20);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("evidence.mismatched", "evidence.mismatched");
        assertThat(v.findings()).extracting(Finding::sentence).containsExactly(
                "HPC " + HPC + ": result HARDWARE answers check OS", "HPC " + HPC + ": result OS answers check HARDWARE");
        s.raw.close();
    }

    // --- another TPM behind the same HPC ----------------------------------------------------

    @Test
    void aQuoteByAnotherAttestationKeyIsFound() throws Exception {
        // Two real quotes over PCRs 16 and 23 with the same nonce: swtpm's ECC AK (the baseline) and
        // tpm2-tools' RSA AK (a TPM swapped in, or a software TPM the owner controls).
        TpmQuoteResult enrolled = quote("ecc-leo");
        TpmQuoteResult other = quote("rsa-tpm2-tools");
        Challenge c = Challenge.newBuilder().setChallengeId(7).setNonce(ByteString.fromHex("5eed0f1e0c0ffee0aabbccddeeff0011"))
                .addChecks(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addPcrs(16).addPcrs(23))).build();
        Golden g = new Golden(HPC, nonce, EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(enrolled)).build());
        Appraiser appraiser = new Appraiser(Policy.defaults());
        assertThat(appraiser.appraise(HPC, c, EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(enrolled)).build(), g)
                .clean()).as("the enrolled TPM's own quote").isTrue();

        Verdict v = appraiser.appraise(HPC, c, EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(other)).build(), g);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("tpm.ak.changed");
        Finding f = v.findings().get(0);
        assertThat(f.sentence()).isEqualTo("HPC " + HPC + ": the HPC's TPM quoted with another attestation key than at enrollment");
        HexFormat hex = HexFormat.of();
        assertThat(f.expected()).isEqualTo(hex.formatHex(enrolled.getAkPublicDer().toByteArray()));
        assertThat(f.got()).isEqualTo(Printable.of(hex.formatHex(other.getAkPublicDer().toByteArray()))); // cut at 256 characters
        assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
    }

    @Test
    @Tag("system")
    void aSecondTpmSwappedInAfterTheBaselineIsFound() throws Exception {
        // The real agent, its baseline quoted by one swtpm; then the HPC's quotes come from another.
        Policy policy = Policy.of(Map.ofEntries(
                Map.entry("challenge.mean-seconds", "0.15"), Map.entry("challenge.min-seconds", "0.02"),
                Map.entry("challenge.max-seconds", "1"), Map.entry("challenge.deadline-seconds", "5"),
                Map.entry("stream.grace-seconds", "5"), Map.entry("check.os.probability", "1"),
                Map.entry("check.tpm.probability", "1"), Map.entry("tpm.pcrs", "16"),
                Map.entry("action.critical", "record,alert"), Map.entry("action.cooldown-seconds", "0")));
        try (SwtpmProcess first = SwtpmProcess.start(); SwtpmProcess second = SwtpmProcess.start();
             TestAppliance pi = new TestAppliance(tmp.resolve("pi"), policy, Duration.ofHours(1))) {
            String n = pi.boot(MAC);
            TpmHost host = new TpmHost(new SimulatedHost(TestAppliance.cmdline(n)), first.endpoint());
            Agent agent = new Agent(pi.agentConfig(MAC, TestAppliance.cmdline(n)), host, Map.of());
            Thread t = new Thread(agent, "agent");
            t.start();
            try {
                pi.awaitVerdict(v -> v.clean() && v.challengeId() > 0 && pi.verdicts.indexOf(v) >= 2, 30);
                host.tpm = second.endpoint();
                Finding f = pi.awaitVerdict(TestAppliance.finding("tpm.ak.changed"), 30).findings().stream()
                        .filter(x -> x.eventId().equals("tpm.ak.changed")).findFirst().orElseThrow();
                assertThat(f.sentence()).isEqualTo("HPC " + HPC + ": the HPC's TPM quoted with another attestation key than at enrollment");
                assertThat(f.expected()).isEqualTo(akHex(first.endpoint()));
                assertThat(f.got()).isEqualTo(akHex(second.endpoint()));
            } finally {
                agent.close();
                t.join(10_000);
            }
        }
    }

    /** The simulated host, with TPM quotes from a real (swtpm) TPM that the test can swap. */
    static final class TpmHost implements EvidenceSource {
        final SimulatedHost host;
        volatile TpmEndpoint tpm;

        TpmHost(SimulatedHost host, TpmEndpoint tpm) {
            this.host = host;
            this.tpm = tpm;
        }

        @Override
        public CheckResult answer(Check check, byte[] nonce) {
            if (!check.hasTpmQuote()) {
                return host.answer(check, nonce);
            }
            try (Tpm t = Tpm.open(tpm)) {
                TpmQuote q = t.quote(nonce, check.getTpmQuote().getPcrsList().stream().mapToInt(Integer::intValue).toArray());
                TpmQuoteResult.Builder b = TpmQuoteResult.newBuilder().setAttest(ByteString.copyFrom(q.attest()))
                        .setSignature(ByteString.copyFrom(q.signature()))
                        .setAkPublicDer(ByteString.copyFrom(t.attestationKey().publicKey().getEncoded()));
                for (int i = 0; i < q.pcrs().length; i++) {
                    b.addPcrs(q.pcrs()[i]).addPcrValues(ByteString.copyFrom(q.pcrValues().get(i)));
                }
                return CheckResult.newBuilder().setTpmQuote(b).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static String akHex(TpmEndpoint endpoint) throws Exception {
        try (Tpm t = Tpm.open(endpoint)) {
            return HexFormat.of().formatHex(t.attestationKey().publicKey().getEncoded());
        }
    }

    /** A real quote kept in protocol's test resources. */
    static TpmQuoteResult quote(String name) throws IOException {
        try (InputStream in = RedTeamTest.class.getResourceAsStream("/tpm/golden/" + name + ".properties")) {
            Properties p = new Properties();
            p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            TpmQuoteResult.Builder q = TpmQuoteResult.newBuilder().setAttest(ByteString.fromHex(p.getProperty("attest")))
                    .setSignature(ByteString.fromHex(p.getProperty("signature"))).setAkPublicDer(ByteString.fromHex(p.getProperty("ak")));
            for (String pcr : p.getProperty("pcrs").split(",")) {
                q.addPcrs(Integer.parseInt(pcr)).addPcrValues(ByteString.fromHex(p.getProperty("pcr." + pcr)));
            }
            return q.build();
        }
    }

    // --- guessing at enrollment ------------------------------------------------------------------

    @Test
    void guessingAtEnrollmentIsCutOffAfterMaxFailures() throws Exception {
        AgentIdentity id = AgentIdentity.generate(HPC);
        ManagedChannel ch = enrollmentChannel(id);
        try {
            // Wrong nonces: each a refusal, with its own reason, counted against the peer address.
            for (int i = 0; i < Enroller.MAX_FAILURES; i++) {
                String guess = String.format("%064x", i);
                assertThatThrownBy(() -> enroll(ch, id, TestAppliance.cmdline(guess))).isInstanceOfSatisfying(StatusRuntimeException.class,
                        ex -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            }
            // Now even the right nonce is refused from that address, before anything is checked.
            assertThatThrownBy(() -> enroll(ch, id, TestAppliance.cmdline(nonce))).isInstanceOfSatisfying(StatusRuntimeException.class, ex -> {
                assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(ex.getStatus().getDescription()).isEqualTo("20 enrollments from 127.0.0.1 were refused in the last 10 minutes; try later");
            });
        } finally {
            ch.shutdownNow();
        }
        assertThat(appliance.engine.status(HPC)).isEmpty();
        assertThat(appliance.store.latest(HPC)).isEmpty();
    }

    // --- helpers -----------------------------------------------------------------------------------

    ManagedChannel enrollmentChannel(AgentIdentity id) throws Exception {
        return appliance.enrollmentChannel(id);
    }

    static EnrollResponse enroll(ManagedChannel ch, AgentIdentity id, String cmdline) throws Exception {
        return EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS).enroll(EnrollRequest.newBuilder()
                .setCsrDer(ByteString.copyFrom(id.csr(HPC)))
                .setBootFacts(BootFacts.newBuilder().setMac(HPC).setKernelCmdline(cmdline)).build());
    }

    TestAppliance.Enrolled enroll() throws Exception {
        AgentIdentity id = AgentIdentity.generate(HPC);
        return appliance.enroll(id, id.csr(HPC), HPC, TestAppliance.cmdline(nonce));
    }

    /** An enrolled, baselined HPC on an open stream, answering (honestly, unless the test says otherwise) by hand. */
    record Session(TestAppliance.Enrolled e, RawAgent raw, SimulatedHost host, Responder responder) {
        PrivateKey key() {
            return e.id().privateKey();
        }

        /** The honest answer's body to {@code c}, as the agent would sign it (its sequence number used up). */
        EvidenceBody body(Challenge c) throws Exception {
            return EvidenceBody.parseFrom(responder.answer(c, key()).getBody());
        }

        void answerNext() throws Exception {
            raw.send(responder.answer(raw.nextChallenge(), key()));
        }
    }

    Session baselined() throws Exception {
        TestAppliance.Enrolled e = enroll();
        SimulatedHost host = new SimulatedHost(TestAppliance.cmdline(nonce));
        Responder responder = new Responder(host);
        RawAgent raw = appliance.stream(e);
        raw.send(responder.answer(raw.nextChallenge(), e.id().privateKey()));
        EscapeHatchTest.Await.until(() -> appliance.engine.status(HPC).map(HpcStatus::baselined).orElse(false), 20);
        raw.challenges.clear(); // challenges issued before the baseline was taken are baselines again
        return new Session(e, raw, host, responder);
    }

    Finding finding(String id) throws InterruptedException {
        return appliance.awaitVerdict(TestAppliance.finding(id), 20).findings().stream().filter(f -> f.eventId().equals(id))
                .findFirst().orElseThrow();
    }
}
