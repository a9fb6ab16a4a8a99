package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.tpm.EvidenceRelay;
import org.leo.attest.tpm.LogHeadQuoter;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.boot.net.MacAddress;

/**
 * A remote verifier's nonce, relayed to a real agent; what comes back is checked the way the
 * verifier would: the agent's signature under a certificate from the appliance CA, the nonce in the
 * evidence, and the Pi's TPM quote (swtpm) over a log head that records the relay; and it carries
 * the challenge for that nonce and the golden baseline the baseline listener was told of, signed by
 * the same agent certificate.
 */
@Tag("system")
class EvidenceRelayTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;

    @Test
    void relayedEvidenceComesBackWithThePisQuote() throws Exception {
        try (SwtpmProcess swtpm = SwtpmProcess.start(); Tpm tpm = Tpm.open(swtpm.endpoint());
             TestAppliance appliance = new TestAppliance(tmp, AttestationLoopTest.fastPolicy(), Duration.ofHours(1))) {
            String nonce = appliance.boot(MAC);
            java.util.concurrent.CompletableFuture<AttestationEngine.Baseline> taken = new java.util.concurrent.CompletableFuture<>();
            appliance.engine.onBaseline(taken::complete);
            Agent agent = new Agent(appliance.agentConfig(MAC, TestAppliance.cmdline(nonce)), new SimulatedHost(TestAppliance.cmdline(nonce)), Map.of());
            Thread t = new Thread(agent, "agent");
            t.start();
            try {
                appliance.awaitVerdict(v -> v.clean() && v.challengeId() > 0, 20);
                LogHeadQuoter quoter = new LogHeadQuoter(tpm, appliance.log);
                EvidenceRelay relay = new EvidenceRelay(appliance.engine, appliance.log, quoter, Clock.systemUTC());
                byte[] external = "consensus-round-42-verifier-7-nonce".getBytes();
                EvidenceRelay.Report report = relay.relay(MAC.toString(), external).get(30, TimeUnit.SECONDS);

                // The verifier's checks, from the report alone (plus the CA certificate and the Pi's AK).
                var cert = report.relayed().agentCertificate();
                cert.verify(appliance.ca.certificate().getPublicKey());
                byte[] body = report.relayed().evidence().getBody().toByteArray();
                assertThat(EvidenceSignature.verify(cert.getPublicKey(), body, report.relayed().evidence().getSignature().toByteArray())).isTrue();
                assertThat(EvidenceBody.parseFrom(body).getNonce().toByteArray()).isEqualTo(external);
                assertThat(report.relayed().verdict().clean()).isTrue();
                assertThat(LogHeadQuoter.verify(quoter.attestationKey().publicKey(), report.piQuote(),
                        EvidenceRelay.binding(external, body)).ok()).isTrue();
                ChainedEntry quoted = appliance.log.since(report.piQuote().headSeq() - 1, 1).get(0);
                assertThat(quoted.hash()).isEqualTo(report.piQuote().headHash());
                assertThat(quoted.entry().eventId()).isEqualTo("relay.quoted");
                assertThat(quoted.seq()).isEqualTo(report.relayEntry().seq());
                assertThat(quoted.entry().detail()).endsWith("\nfindings=0");
                assertThat(appliance.log.verify().intact()).isTrue();

                // What the verifier appraises with: the challenge for its nonce, and the golden as the agent signed it.
                assertThat(report.relayed().challenge().getNonce().toByteArray()).isEqualTo(external);
                assertThat(report.relayed().challenge().getChallengeId()).isEqualTo(EvidenceBody.parseFrom(body).getChallengeId());
                AttestationEngine.Baseline baseline = taken.get(5, TimeUnit.SECONDS);
                assertThat(baseline.hpc()).isEqualTo(MAC.toString());
                assertThat(baseline.bootNonce()).isEqualTo(nonce);
                assertThat(appliance.engine.baseline(MAC.toString())).contains(baseline);
                assertThat(report.relayed().golden()).contains(baseline.signed());
                byte[] golden = baseline.signed().getBody().toByteArray();
                assertThat(EvidenceSignature.verify(cert.getPublicKey(), golden, baseline.signed().getSignature().toByteArray()))
                        .as("the golden is signed by the same agent certificate").isTrue();
                assertThat(EvidenceBody.parseFrom(golden).getChallengeId()).isNotEqualTo(report.relayed().challenge().getChallengeId());
            } finally {
                agent.close();
                t.join(10_000);
            }
        }
    }
}
