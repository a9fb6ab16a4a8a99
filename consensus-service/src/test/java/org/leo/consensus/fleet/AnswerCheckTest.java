package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.ca.ApplianceCa;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * A verifier's checks of a real relayed answer (a real agent, the Pi's swtpm), and of that answer
 * with one thing changed at a time, as a Pi that lies or a network that tampers would change it: each
 * change is found, by its id and sentence, and makes the verdict UNTRUSTED. With
 * {@code -Dleo.capture=true} the answer is written as the fuzz test's seed.
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

    @Test
    void aRealAnswerPassesAndEachTamperingIsFoundByName() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 2, 7, T)) {
            RoundId round = f.roundWhere(v -> v[1] >= 1);
            MemberKeys k = f.nodes.get(1).keys();
            MemberSortition.Draw d = k.draw(new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER), 10, 20, 7);
            byte[] nonce = Lab.sha256("the verifier's own nonce");
            ChallengeResponse r = f.nodes.get(1).client(f.hpcPi()).challenge(ChallengeRequest.newBuilder()
                    .setRoundId(ByteString.copyFrom(round.encode())).setMemberKey(ByteString.copyFrom(k.member())).setVotes((int) d.votes())
                    .setVrfProof(ByteString.copyFrom(d.proof())).setNonce(ByteString.copyFrom(nonce)).build(), T);
            RelayAnswer a = r.getAnswer();
            PeerList.Peer pi = f.hpcPi();
            Instant now = Instant.now();
            if (Boolean.getBoolean("leo.capture")) {
                Files.createDirectories(SEED.getParent());
                Files.write(SEED, a.toByteArray());
            }
            AnswerCheck.Appraisal ok = AnswerCheck.of(a, nonce, LabFleet.HPC, pi, now);
            assertThat(ok.problems()).isEmpty();
            assertThat(ok.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            assertThat(ok.evidenceSha256()).isEqualTo(Lab.sha256Bytes(a.getEvidence().getBody().toByteArray()));

            ApplianceCa other = ApplianceCa.loadOrCreate(tmp.resolve("other-ca"), Clock.systemUTC());
            var agentKey = ApplianceCa.newKeyPair();
            byte[] otherAgent = other.issueClient(agentKey.getPublic(), LabFleet.HPC.toString(), Duration.ofHours(1)).getEncoded();
            long relaySeq = a.getLogSegment(0).getSeq();
            List<org.leo.protocol.consensus.v1.AttestationLogEntry> longer = f.appliance.log.since(relaySeq - 2, a.getLogSegmentCount() + 1)
                    .stream().map(EvidenceRelayPort::toWire).toList();

            ByteString otherCa = ByteString.copyFrom(other.certificate().getEncoded());
            found(a, nonce, LabFleet.HPC, pi, now, "another CA certificate", b -> b.setCaCertificateDer(otherCa),
                    "relay.ca.unpinned: the answer's CA certificate has SHA-256 ");
            found(a, nonce, LabFleet.HPC, withPins(pi, Optional.empty(), pi.akSha256()), now, "no CA published for the Pi", b -> b,
                    "relay.ca.unpinned: the peer list publishes no CA for Pi " + pi.memberHex());
            found(a, nonce, LabFleet.HPC, pi, now, "an agent certificate for this HPC from another CA", b -> b.setAgentCertificateChainDer(0,
                    ByteString.copyFrom(otherAgent)), "relay.agent.untrusted: the agent certificate does not chain to the Pi's CA: ");
            found(a, nonce, MacAddress.parse("52:54:00:77:00:99"), pi, now, "the evidence of another HPC", b -> b,
                    "relay.agent.untrusted: the agent certificate is for 52:54:00:77:00:10, not HPC 52:54:00:77:00:99");
            found(a, nonce, LabFleet.HPC, pi, now, "a flipped evidence signature", b -> b.setEvidence(a.getEvidence().toBuilder()
                    .setSignature(ByteString.copyFrom(flip(a.getEvidence().getSignature(), 10)))),
                    "relay.evidence.bad_signature: the evidence is not signed by the agent certificate's key");
            found(a, Lab.sha256("another nonce"), LabFleet.HPC, pi, now, "evidence for another nonce", b -> b,
                    "relay.evidence.wrong_nonce: the evidence carries nonce ");
            found(a, nonce, LabFleet.HPC, withPins(pi, pi.caSha256(), Lab.sha256("another AK")), now, "another attestation key pinned", b -> b,
                    "relay.quote.ak_unpinned: the quote's attestation key has SHA-256 ");
            found(a, nonce, LabFleet.HPC, pi, now, "a flipped quote signature", b -> b.setPiQuote(a.getPiQuote().toBuilder().setQuote(
                    a.getPiQuote().getQuote().toBuilder().setSignature(ByteString.copyFrom(flip(a.getPiQuote().getQuote().getSignature(), 20))))),
                    "relay.quote.invalid: BAD_SIGNATURE");
            found(a, nonce, LabFleet.HPC, pi, now, "an edited log entry", b -> b.setLogSegment(0, a.getLogSegment(0).toBuilder()
                    .setDetail(a.getLogSegment(0).getDetail().replace("findings=0", "findings=0 "))), "relay.log.broken: the segment ends at entry #");
            found(a, nonce, LabFleet.HPC, pi, now, "a segment that does not start at the relay's entry", b -> b.clearLogSegment()
                    .addAllLogSegment(longer), "relay.log.no_relay_entry: the segment's first entry (");
            found(a, nonce, LabFleet.HPC, pi, now, "a segment over its cap", b -> b.addAllLogSegment(java.util.Collections.nCopies(64,
                    a.getLogSegment(0))), "relay.oversized: log_segment: ");
        }
    }

    static PeerList.Peer withPins(PeerList.Peer p, Optional<byte[]> ca, byte[] ak) {
        return new PeerList.Peer(p.member(), p.host(), p.port(), ak, ca, p.hpcs());
    }

    static void found(RelayAnswer a, byte[] nonce, MacAddress hpc, PeerList.Peer pi, Instant now, String what,
                      UnaryOperator<RelayAnswer.Builder> change, String problem) {
        AnswerCheck.Appraisal x = AnswerCheck.of(change.apply(a.toBuilder()).build(), nonce, hpc, pi, now);
        assertThat(x.outcome()).as(what).isEqualTo(Verdict.Outcome.UNTRUSTED);
        assertThat(x.problems()).as(what).anySatisfy(p -> assertThat(p).startsWith(problem));
    }
}
