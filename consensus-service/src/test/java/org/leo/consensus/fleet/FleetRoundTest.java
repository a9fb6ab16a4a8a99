package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * Rounds of a lab fleet of seven Pis (real gRPC with mutual TLS on loopback, one embedded ledger)
 * around a real attestation server, a real agent over a crafted host and a swtpm as the HPC's Pi's
 * TPM: tau = 7 and seven members of equal credit, and a round number picked so that the draw (known
 * in advance from the members' keys) seats what the test needs. Node 0 is the HPC's Pi and abstains.
 */
@Tag("system")
class FleetRoundTest {
    static final int TAU = 7;
    static final Duration T = Duration.ofSeconds(20);
    static final long TRUSTED = QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, TAU);
    static final long UNTRUSTED = QuorumCertificate.threshold(Verdict.Outcome.UNTRUSTED, TAU);

    @TempDir
    Path tmp;

    static LedgerRecord.CertificateRecorded certificateAt(LabFleet f, long seq) {
        return (LedgerRecord.CertificateRecorded) f.ledger.entries(seq, 1).get(0).record();
    }

    @Test
    void aRoundOfSevenMembersYieldsATrustedCertificateOnTheLedger() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 7, TAU, T)) {
            RoundId round = f.roundWhere(v -> LabFleet.sum(v, 1, 7) >= TRUSTED);
            long[] votes = f.votes(round);
            List<Participation> ps = f.run(round, f.nodes);

            for (int i = 0; i < ps.size(); i++) {
                Participation p = ps.get(i);
                assertThat(p.votes()).as("node %d", i).isEqualTo(votes[i]);
                if (p.selected()) {
                    AnswerCheck.Appraisal a = p.appraisal().orElseThrow();
                    assertThat(a.problems()).as("node %d", i).isEmpty();
                    assertThat(a.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
                    assertThat(a.summary()).isEqualTo("every check passed; neither the verifier's own appraisal nor the HPC's Pi's found anything");
                    assertThat(p.answer().orElseThrow().getCounted()).as(p.answer().toString()).isTrue();
                }
            }
            Rounds.Closed closed = f.hpcPiNode().closeRound(round);
            QuorumCertificate cert = closed.certificate().orElseThrow();
            assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            assertThat(cert.votes()).isEqualTo(LabFleet.sum(votes, 1, 7));
            LedgerEntry entry = closed.entry().orElseThrow();
            assertThat(f.ledger.head().orElseThrow().seq()).isEqualTo(entry.seq());
            assertThat(certificateAt(f, entry.seq()).certificate()).isEqualTo(cert);
            assertThat(cert.problem(TAU, new LedgerVotes(new FleetLedger(f.ledger), TAU))).as("anyone can re-verify it").isEmpty();
            assertThat(cert.verdicts().stream().map(v -> HexFormat.of().formatHex(v.evidenceSha256())).distinct().count())
                    .as("every verifier judged the evidence of its own challenge").isEqualTo(cert.verdicts().size());
            assertThat(f.hpcPiNode().refusals().registry().find(Refusals.COUNTER).counters()).isEmpty();
            try (RoundJournal journal = RoundJournal.open(tmp.resolve("rounds.db"))) {
                assertThat(journal.read().closed()).as("the HPC's Pi journaled the round")
                        .containsExactly(new RoundJournal.ClosedRow(round, OptionalLong.of(entry.seq())));
            }
        }
    }

    /** Plugs a USB stick into the lab's HPC, after its baseline, and waits until its own Pi's engine has seen it. */
    static void plugUsbStick(LabFleet f) throws Exception {
        var seen = f.verdict(v -> v.findings().stream().anyMatch(x -> x.eventId().equals("hardware.usb.added")));
        org.leo.agent.collect.CraftedHost.plugUsbStick(f.host);
        seen.get(LabFleet.WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aTamperedHpcYieldsAnUntrustedCertificateRecordedAtOnce() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 7, TAU, T)) {
            plugUsbStick(f);
            untrustedRound(f, "the HPC's Pi reported [1-9][0-9]* finding\\(s\\)");
        }
    }

    /**
     * The lying HPC's Pi: its appraiser finds nothing, so its relay entry (real, in its hash-chained log, quoted by its TPM)
     * says findings=0 for an HPC with a USB stick plugged in after its baseline. Every check of the relay passes; the
     * verifiers' own appraisal against the golden on the ledger finds the stick, and the certificate is UNTRUSTED.
     */
    @Test
    void aLyingHpcPiThatReportsNoFindingStillGetsAnUntrustedCertificate() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 7, TAU, T, LabFleet.Setup.piAnswering(LabFleet.reporting(List.of())))) {
            plugUsbStick(f);
            untrustedRound(f, "the HPC's Pi reported none");
            assertThat(f.appliance.log.since(0, 100_000)).as("the Pi's log says it found nothing in every relay")
                    .filteredOn(e -> e.entry().eventId().equals("relay.quoted")).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.entry().detail()).endsWith("\nfindings=0"));
        }
    }

    /**
     * Runs a round on {@code f} and checks it is UNTRUSTED: every selected verifier's relay checks pass, its own appraisal
     * finds hardware.usb.added, its summary says so and then what the HPC's Pi said ({@code piSaid}, a regular
     * expression); the certificate is recorded at once.
     */
    static void untrustedRound(LabFleet f, String piSaid) throws Exception {
        RoundId round = f.roundWhere(v -> LabFleet.sum(v, 1, 7) >= UNTRUSTED);
        List<Participation> ps = f.run(round, f.nodes);
        long recorded = -1;
        for (Participation p : ps.stream().filter(Participation::selected).toList()) {
            AnswerCheck.Appraisal a = p.appraisal().orElseThrow();
            assertThat(a.problems()).as("every check of the relay passed").isEmpty();
            assertThat(a.outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
            assertThat(a.findings()).as("the verifier's own appraisal").anySatisfy(x -> assertThat(x).startsWith("hardware.usb.added: "));
            assertThat(a.summary()).matches("the verifier's own appraisal found [1-9][0-9]* finding\\(s\\) \\([^)]*hardware\\.usb\\.added[^)]*\\); "
                    + piSaid);
            System.out.println("a verifier with " + p.votes() + " vote(s) signed UNTRUSTED: " + a.summary());
            VerdictResponse r = p.answer().orElseThrow();
            assertThat(r.getCounted() || r.getRefused().getReason().equals("ROUND_CLOSED")).as(r.toString()).isTrue();
            if (r.getCertificate().getRecorded()) {
                recorded = r.getCertificate().getLedgerSeq();
            }
        }
        assertThat(recorded).as("UNTRUSTED is final as soon as it has its votes").isPositive();
        QuorumCertificate cert = certificateAt(f, recorded).certificate();
        assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
        assertThat(cert.round()).isEqualTo(round);
        assertThat(cert.votes()).isGreaterThanOrEqualTo(UNTRUSTED);
        assertThat(f.hpcPiNode().closeRound(round).entry().orElseThrow().seq()).isEqualTo(recorded);
    }

    @Test
    void anHpcThatDoesNotAnswerBeforeTheRoundDeadlineIsUntrusted() throws Exception {
        Duration deadline = Duration.ofMillis(1500);
        try (LabFleet f = new LabFleet(tmp, 7, TAU, deadline)) {
            // The HPC hangs: its agent's next read of the command line blocks on a FIFO nobody writes.
            Path cmdline = f.host.proc().resolve("cmdline");
            Path fifo = f.host.proc().resolve("cmdline.fifo");
            Path stuck = f.host.proc().resolve("cmdline.stuck");
            String text = Files.readString(cmdline);
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
            Files.move(fifo, cmdline, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try {
                RoundId round = f.roundWhere(v -> LabFleet.sum(v, 1, 7) >= UNTRUSTED);
                List<Participation> ps = f.run(round, f.nodes);
                assertThat(ps.stream().filter(Participation::selected)).isNotEmpty().allSatisfy(p -> {
                    assertThat(p.appraisal().orElseThrow().outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
                    assertThat(p.appraisal().orElseThrow().summary()).isEqualTo("no answer: no answer before the round deadline (1500 ms)");
                });
                QuorumCertificate cert = f.hpcPiNode().closeRound(round).certificate().orElseThrow();
                assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.UNTRUSTED);
            } finally {
                // Unblock the agent: the FIFO moves aside, a plain file takes its place, and one write releases the blocked reader.
                Files.move(cmdline, stuck, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(cmdline, text);
                Thread release = new Thread(() -> {
                    try {
                        Files.writeString(stuck, text);
                    } catch (java.io.IOException e) {
                        // the reader is gone: nothing to release
                    }
                }, "fifo-release");
                release.setDaemon(true);
                release.start();
            }
        }
    }

    @Test
    void twoByzantineMembersSigningTheOppositeVerdictDoNotChangeTheCertificate() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 7, TAU, T)) {
            RoundId round = f.roundWhere(v -> v[5] >= 1 && v[6] >= 1 && v[5] + v[6] < UNTRUSTED && LabFleet.sum(v, 1, 5) >= TRUSTED);
            long[] votes = f.votes(round);
            for (int i : new int[] {5, 6}) { // they challenge nobody and sign UNTRUSTED
                ConsensusNode byz = f.nodes.get(i);
                var draw = byz.keys().draw(new org.leo.consensus.sortition.Alpha(round.ledgerHead(), round.hpc(), round.round(),
                        org.leo.consensus.sortition.Role.VERIFIER), 10, 70, TAU);
                Verdict lie = byz.keys().sign(round, (int) draw.votes(), draw.proof(), Verdict.Outcome.UNTRUSTED, Lab.sha256("made up"));
                VerdictResponse r = byz.client(f.hpcPi()).verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(lie.encode())).build(), T);
                assertThat(r.getCounted()).as("a Byzantine member's vote is a valid vote").isTrue();
            }
            List<Participation> honest = f.run(round, f.nodes.subList(0, 5));
            assertThat(honest.stream().filter(Participation::selected)).allMatch(p -> p.appraisal().orElseThrow().outcome() == Verdict.Outcome.TRUSTED);

            QuorumCertificate cert = f.hpcPiNode().closeRound(round).certificate().orElseThrow();
            assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            assertThat(cert.votes()).isEqualTo(LabFleet.sum(votes, 1, 5));
            assertThat(cert.verdicts()).extracting(Verdict::memberHex).doesNotContain(f.nodes.get(5).keys().memberHex(),
                    f.nodes.get(6).keys().memberHex());
        }
    }
}
