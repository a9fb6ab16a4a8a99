package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.server.TestAppliance;
import org.leo.consensus.ledger.AnvilProcess;
import org.leo.consensus.ledger.EvmLedger;
import org.leo.consensus.ledger.EvmLedgerConfig;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.Role;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * Two Byzantine members of seven, on a real EVM chain (anvil): one signs the opposite verdict, the other
 * equivocates (it takes part honestly, then signs UNTRUSTED too). The TRUSTED certificate of the honest
 * members is recorded; the equivocation evidence is on the chain and verifies from the event data; the
 * equivocator loses half its credit (at least 10), the member that signed against the certificate
 * loses 1 (CreditChanged); the honest signers gain 1; the contract's credit equals the replay.
 */
@Tag("system")
class ByzantineOnChainTest {
    @TempDir
    Path tmp;

    @Test
    void theCertificateReflectsTheTruthAndTheByzantineLoseCreditOnChain() throws Exception {
        assumeTrue(AnvilProcess.binary().isPresent(), "anvil is not installed (the build's npm ci installs it; node and npm missing?)");
        assumeTrue(EvmLedger.class.getResource("LeoLedger.bin") != null, "LeoLedger.sol is not compiled (node and npm missing?)");
        try (AnvilProcess anvil = AnvilProcess.start()) {
            String key = AnvilProcess.DEV_KEYS.get(0);
            EvmLedgerConfig c = new EvmLedgerConfig(anvil.rpc(), AnvilProcess.CHAIN_ID, key, EvmLedger.deploy(anvil.rpc(), AnvilProcess.CHAIN_ID, key));
            LabFleet.Setup onChain = new LabFleet.Setup(TestAppliance.fastPolicy(), (d, node, first) -> EvmLedger.open(c), h -> { },
                    UnaryOperator.identity(), UnaryOperator.identity(), true);
            try (LabFleet f = new LabFleet(tmp, 7, FleetRoundTest.TAU, FleetRoundTest.T, onChain)) {
                RoundId round = f.roundWhere(v -> v[5] >= 1 && v[6] >= 1 && v[5] < FleetRoundTest.UNTRUSTED
                        && LabFleet.sum(v, 1, 5) >= FleetRoundTest.TRUSTED);
                long[] votes = f.votes(round);
                ConsensusNode opposite = f.nodes.get(5);
                ConsensusNode equivocator = f.nodes.get(6);
                assertThat(offer(f, opposite, round, Verdict.Outcome.UNTRUSTED).getCounted()).as("a Byzantine vote is a valid vote").isTrue();

                List<Participation> honest = f.run(round, List.of(f.nodes.get(0), f.nodes.get(1), f.nodes.get(2), f.nodes.get(3), f.nodes.get(4),
                        equivocator));
                assertThat(honest.stream().filter(Participation::selected)).allMatch(p -> p.appraisal().orElseThrow().outcome() == Verdict.Outcome.TRUSTED);
                VerdictResponse second = offer(f, equivocator, round, Verdict.Outcome.UNTRUSTED);
                assertThat(second.getRefused().getReason()).isEqualTo("EQUIVOCATION");

                Rounds.Closed closed = f.hpcPiNode().closeRound(round);
                QuorumCertificate cert = closed.certificate().orElseThrow();
                assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
                assertThat(cert.votes()).isEqualTo(LabFleet.sum(votes, 1, 5));

                // read back by a client of its own, from the chain's events
                try (EvmLedger reader = EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), AnvilProcess.CHAIN_ID, AnvilProcess.DEV_KEYS.get(1),
                        c.contract()))) {
                    List<LedgerEntry> all = reader.entries(1, 100);
                    all.forEach(e -> System.out.println("on chain: " + e));
                    LedgerRecord.EquivocationRecorded eq = all.stream().map(LedgerEntry::record)
                            .filter(LedgerRecord.EquivocationRecorded.class::isInstance).map(LedgerRecord.EquivocationRecorded.class::cast)
                            .findFirst().orElseThrow();
                    assertThat(eq.evidence().memberHex()).isEqualTo(equivocator.keys().memberHex());
                    assertThat(eq.evidence().verify()).as("the evidence verifies from the chain's data alone").isTrue();
                    LedgerEntry certificate = closed.entry().orElseThrow();
                    LedgerRecord.CertificateRecorded recorded = (LedgerRecord.CertificateRecorded) all.get((int) certificate.seq() - 1).record();
                    assertThat(recorded.certificate().problem(FleetRoundTest.TAU, new LedgerVotes(new FleetLedger(reader), FleetRoundTest.TAU)))
                            .as("the certificate re-verifies from the chain: signatures, VRF proofs, votes at its head").isEmpty();
                    LedgerRecord.CreditChanged penalty = all.stream().map(LedgerEntry::record).filter(LedgerRecord.CreditChanged.class::isInstance)
                            .map(LedgerRecord.CreditChanged.class::cast).findFirst().orElseThrow();
                    assertThat(java.util.HexFormat.of().formatHex(penalty.member())).isEqualTo(opposite.keys().memberHex());
                    assertThat(penalty.delta()).isEqualTo(-1);
                    assertThat(penalty.becauseOfSeq()).isEqualTo(certificate.seq());

                    Map<String, Long> credit = reader.credits();
                    assertThat(credit.get(opposite.keys().memberHex())).as("-1 for its verdict against the certificate").isEqualTo(9);
                    assertThat(credit.get(equivocator.keys().memberHex())).as("half, at least 10").isZero();
                    for (Verdict v : cert.verdicts()) {
                        assertThat(credit.get(v.memberHex())).as("+1 for a signer").isEqualTo(11);
                    }
                    assertThat(reader.verifyChain()).as("the contract's credit is the replay of the records").isEmpty();
                    System.out.println("credit on chain: opposite " + credit.get(opposite.keys().memberHex()) + ", equivocator "
                            + credit.get(equivocator.keys().memberHex()) + ", honest signers 11; certificate " + cert.outcome() + " with "
                            + cert.votes() + " vote(s) at entry #" + certificate.seq());
                }
            }
        }
    }

    private static VerdictResponse offer(LabFleet f, ConsensusNode byz, RoundId round, Verdict.Outcome outcome) {
        var draw = byz.keys().draw(new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER), 10, 70, FleetRoundTest.TAU);
        Verdict v = byz.keys().sign(round, (int) draw.votes(), draw.proof(), outcome, Lab.sha256("made up " + outcome));
        return byz.client(f.hpcPi()).verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(v.encode())).build(), FleetRoundTest.T);
    }
}
