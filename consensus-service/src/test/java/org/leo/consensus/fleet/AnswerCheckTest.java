package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Severity;
import org.leo.attest.ca.ApplianceCa;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * A verifier's checks of a real relayed answer (a real agent, the Pi's swtpm, the reference values the
 * Pi published on the ledger), and of that answer with one thing changed at a time, as a Pi that lies
 * or a network that tampers would change it: each change is found, by its id and sentence, and makes
 * the verdict UNTRUSTED. A Pi that reports findings the verifier's own appraisal does not find makes
 * it UNTRUSTED too, and the summary says whose findings they were. With {@code -Dleo.capture=true}
 * the answer is written as the fuzz test's seed.
 */
@Tag("system")
class AnswerCheckTest {
    static final Duration T = Duration.ofSeconds(20);
    static final Path SEED = Path.of("src/test/resources/org/leo/consensus/fleet/AnswerCheckFuzzTestInputs/checkNeverThrows/relay-answer");

    @TempDir
    Path tmp;

    static byte[] flip(ByteString b, int i) {
        byte[] c = b.toByteArray();
        c[i] ^= 1;
        return c;
    }

    /** Node 1 challenges the lab's HPC through its Pi with {@code nonce}, in a round where it is drawn. */
    static RelayAnswer relayed(LabFleet f, byte[] nonce) {
        RoundId round = f.roundWhere(v -> v[1] >= 1);
        MemberKeys k = f.nodes.get(1).keys();
        MemberSortition.Draw d = k.draw(new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER), 10, 20, 7);
        ChallengeResponse r = f.nodes.get(1).client(f.hpcPi()).challenge(ChallengeRequest.newBuilder()
                .setRoundId(ByteString.copyFrom(round.encode())).setMemberKey(ByteString.copyFrom(k.member())).setVotes((int) d.votes())
                .setVrfProof(ByteString.copyFrom(d.proof())).setNonce(ByteString.copyFrom(nonce)).build(), T);
        assertThat(r.hasAnswer()).as(r.toString()).isTrue();
        return r.getAnswer();
    }

    static AnswerCheck.Appraisal check(RelayAnswer a, byte[] nonce, MacAddress hpc, PeerList.Peer pi,
                                       Optional<LedgerRecord.ReferenceValues> published, Instant now) {
        return AnswerCheck.of(a, nonce, hpc, pi, published, Policy.defaults(), now);
    }

    @Test
    void aRealAnswerPassesAndEachTamperingIsFoundByName() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 2, 7, T)) {
            byte[] nonce = Lab.sha256("the verifier's own nonce");
            RelayAnswer a = relayed(f, nonce);
            PeerList.Peer pi = f.hpcPi();
            Instant now = Instant.now();
            if (Boolean.getBoolean("leo.capture")) {
                Files.createDirectories(SEED.getParent());
                Files.write(SEED, a.toByteArray());
            }
            Optional<LedgerRecord.ReferenceValues> published = f.hpcPiNode().ledger().now().referenceValues(LabFleet.HPC);
            assertThat(published).as("the HPC's Pi published its HPC's reference values").isPresent();
            assertThat(published.get().goldenSha256()).as("the golden the answer carries is the published one")
                    .isEqualTo(Lab.sha256Bytes(a.getGolden().getBody().toByteArray()));
            assertThat(published.get().manifestSha256()).isEqualTo(Lab.sha256Bytes(f.appliance.manifest.canonicalBytes()));
            assertThat(published.get().measuredBootSha256()).as("no measured boot in the lab").isEqualTo(new byte[32]);
            assertThat(a.getChallenge().getNonce().toByteArray()).isEqualTo(nonce);

            AnswerCheck.Appraisal ok = check(a, nonce, LabFleet.HPC, pi, published, now);
            assertThat(ok.problems()).isEmpty();
            assertThat(ok.findings()).isEmpty();
            assertThat(ok.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            assertThat(ok.summary()).isEqualTo("every check passed; neither the verifier's own appraisal nor the HPC's Pi's found anything");
            assertThat(ok.evidenceSha256()).isEqualTo(Lab.sha256Bytes(a.getEvidence().getBody().toByteArray()));

            ApplianceCa other = ApplianceCa.loadOrCreate(tmp.resolve("other-ca"), Clock.systemUTC());
            var agentKey = ApplianceCa.newKeyPair();
            byte[] otherAgent = other.issueClient(agentKey.getPublic(), LabFleet.HPC.toString(), Duration.ofHours(1)).getEncoded();
            long relaySeq = a.getLogSegment(0).getSeq();
            List<org.leo.protocol.consensus.v1.AttestationLogEntry> longer = f.appliance.log.since(relaySeq - 2, a.getLogSegmentCount() + 1)
                    .stream().map(EvidenceRelayPort::toWire).toList();

            ByteString otherCa = ByteString.copyFrom(other.certificate().getEncoded());
            found(a, nonce, LabFleet.HPC, pi, published, now, "another CA certificate", b -> b.setCaCertificateDer(otherCa),
                    "relay.ca.unpinned: the answer's CA certificate has SHA-256 ");
            found(a, nonce, LabFleet.HPC, withPins(pi, Optional.empty(), pi.akSha256()), published, now, "no CA published for the Pi", b -> b,
                    "relay.ca.unpinned: the peer list publishes no CA for Pi " + pi.memberHex());
            found(a, nonce, LabFleet.HPC, pi, published, now, "an agent certificate for this HPC from another CA",
                    b -> b.setAgentCertificateChainDer(0, ByteString.copyFrom(otherAgent)),
                    "relay.agent.untrusted: the agent certificate does not chain to the Pi's CA: ");
            found(a, nonce, MacAddress.parse("52:54:00:77:00:99"), pi, published, now, "the evidence of another HPC", b -> b,
                    "relay.agent.untrusted: the agent certificate is for 52:54:00:77:00:10, not HPC 52:54:00:77:00:99");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a flipped evidence signature", b -> b.setEvidence(a.getEvidence().toBuilder()
                    .setSignature(ByteString.copyFrom(flip(a.getEvidence().getSignature(), 10)))),
                    "relay.evidence.bad_signature: the evidence is not signed by the agent certificate's key");
            found(a, Lab.sha256("another nonce"), LabFleet.HPC, pi, published, now, "evidence for another nonce", b -> b,
                    "relay.evidence.wrong_nonce: the evidence carries nonce ");
            found(a, nonce, LabFleet.HPC, withPins(pi, pi.caSha256(), Lab.sha256("another AK")), published, now, "another attestation key pinned",
                    b -> b,
                    "relay.quote.ak_unpinned: the quote's attestation key has SHA-256 ");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a flipped quote signature", b -> b.setPiQuote(a.getPiQuote().toBuilder().setQuote(
                    a.getPiQuote().getQuote().toBuilder().setSignature(ByteString.copyFrom(flip(a.getPiQuote().getQuote().getSignature(), 20))))),
                    "relay.quote.invalid: BAD_SIGNATURE");
            found(a, nonce, LabFleet.HPC, pi, published, now, "an edited log entry", b -> b.setLogSegment(0, a.getLogSegment(0).toBuilder()
                    .setDetail(a.getLogSegment(0).getDetail().replace("findings=0", "findings=0 "))), "relay.log.broken: the segment ends at entry #");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a segment that does not start at the relay's entry", b -> b.clearLogSegment()
                    .addAllLogSegment(longer), "relay.log.no_relay_entry: the segment's first entry (");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a segment over its cap", b -> b.addAllLogSegment(java.util.Collections.nCopies(64,
                    a.getLogSegment(0))), "relay.oversized: log_segment: ");

            // what the verifier appraises against: the golden published on the ledger, and the challenge for its nonce
            found(a, nonce, LabFleet.HPC, pi, Optional.empty(), now, "no reference values published for the HPC", b -> b,
                    "relay.golden.unpublished: the ledger publishes no reference values for HPC 52:54:00:77:00:10 at the round's head");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a Pi that swapped its baseline for another answer the agent signed",
                    b -> b.setGolden(a.getEvidence()), "relay.golden.mismatch: the relayed golden has SHA-256 "
                            + HexFormat.of().formatHex(Lab.sha256Bytes(a.getEvidence().getBody().toByteArray())) + ", the ledger publishes "
                            + HexFormat.of().formatHex(published.get().goldenSha256()));
            found(a, nonce, LabFleet.HPC, pi, Optional.of(new LedgerRecord.ReferenceValues(LabFleet.HPC, new byte[32], new byte[32],
                    Lab.sha256("another golden"))), now, "another golden published", b -> b, "relay.golden.mismatch: ");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a flipped golden signature", b -> b.setGolden(a.getGolden().toBuilder()
                    .setSignature(ByteString.copyFrom(flip(a.getGolden().getSignature(), 10)))),
                    "relay.golden.bad_signature: the golden is not signed by the agent certificate's key");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a golden that does not parse", b -> b.setGolden(a.getGolden().toBuilder()
                    .setBody(ByteString.copyFrom(new byte[] {(byte) 0xff}))), "relay.golden.malformed: the golden does not parse: ");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a challenge without the verifier's nonce", b -> b.setChallenge(a.getChallenge()
                    .toBuilder().setNonce(ByteString.copyFrom(Lab.sha256("the Pi's own nonce")))),
                    "relay.challenge.wrong_nonce: the relayed challenge carries nonce " + HexFormat.of().formatHex(Lab.sha256("the Pi's own nonce"))
                            + ", not " + HexFormat.of().formatHex(nonce));
            found(a, nonce, LabFleet.HPC, pi, published, now, "another challenge than the evidence answers", b -> b.setChallenge(a.getChallenge()
                    .toBuilder().setChallengeId(a.getChallenge().getChallengeId() + 1)),
                    "relay.challenge.mismatched: the evidence answers challenge ");
            Challenge noHardware = a.getChallenge().toBuilder().clearChecks()
                    .addAllChecks(a.getChallenge().getChecksList().stream().filter(c -> !c.hasHardware()).toList()).build();
            found(a, nonce, LabFleet.HPC, pi, published, now, "a challenge that leaves out the hardware", b -> b.setChallenge(noHardware),
                    "relay.challenge.incomplete: the relayed challenge does not ask for the hardware");
            Challenge noTaskState = a.getChallenge().toBuilder().clearChecks()
                    .addAllChecks(a.getChallenge().getChecksList().stream().filter(c -> !c.hasTaskState()).toList()).build();
            found(a, nonce, LabFleet.HPC, pi, published, now, "a challenge that leaves out the task state", b -> b.setChallenge(noTaskState),
                    "relay.challenge.incomplete: the relayed challenge does not ask for the task state");
            found(a, nonce, LabFleet.HPC, pi, published, now, "a golden over its cap", b -> b.setGolden(a.getGolden().toBuilder()
                    .setBody(ByteString.copyFrom(new byte[FleetLimits.MAX_EVIDENCE_BODY_BYTES + 1]))), "relay.oversized: golden.body: ");
        }
    }

    @Test
    void aPiThatReportsFindingsOnACleanHpcHarmsOnlyItsOwnHpc() throws Exception {
        Finding madeUp = new Finding("usb", "hardware.usb.added", "", "0781:5567", Severity.CRITICAL,
                "HPC " + LabFleet.HPC + ": USB device 2-1 appeared (made up by its Pi)");
        try (LabFleet f = new LabFleet(tmp, 2, 7, T, LabFleet.Setup.piAnswering(LabFleet.reporting(List.of(madeUp))))) {
            byte[] nonce = Lab.sha256("the verifier's own nonce");
            RelayAnswer a = relayed(f, nonce);
            AnswerCheck.Appraisal x = check(a, nonce, LabFleet.HPC, f.hpcPi(), f.hpcPiNode().ledger().now().referenceValues(LabFleet.HPC),
                    Instant.now());
            assertThat(x.problems()).as("every check of the relay passed").isEmpty();
            assertThat(x.findings()).as("the verifier's own appraisal found nothing").isEmpty();
            assertThat(x.outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
            assertThat(x.summary()).isEqualTo("the HPC's Pi reported 1 finding(s); the verifier's own appraisal found nothing");
        }
    }

    static PeerList.Peer withPins(PeerList.Peer p, Optional<byte[]> ca, byte[] ak) {
        return new PeerList.Peer(p.member(), p.host(), p.port(), ak, ca, p.hpcs());
    }

    static void found(RelayAnswer a, byte[] nonce, MacAddress hpc, PeerList.Peer pi, Optional<LedgerRecord.ReferenceValues> published, Instant now,
                      String what, UnaryOperator<RelayAnswer.Builder> change, String problem) {
        AnswerCheck.Appraisal x = check(change.apply(a.toBuilder()).build(), nonce, hpc, pi, published, now);
        assertThat(x.outcome()).as(what).isEqualTo(Verdict.Outcome.UNTRUSTED);
        assertThat(x.problems()).as(what).anySatisfy(p -> assertThat(p).startsWith(problem));
    }
}
