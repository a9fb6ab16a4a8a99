package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Seven appliances, each a packaged {@code leo pxe serve --attest --fleet} in its own namespace with its
 * own swtpm and a real agent on its HPC, sharing one anvil chain ({@link LeoFleet}). The tests run in
 * order on one fleet, each from where the last left it:
 * <ol>
 * <li>every HPC gets a TRUSTED certificate from the other Pis, recorded on the chain and readable with
 *     {@code leo ledger show} from any Pi;</li>
 * <li>a USB stick plugged into one HPC yields an UNTRUSTED certificate for it, while the others stay TRUSTED;</li>
 * <li>two of the seven Pis killed (SIGKILL) mid-round: the tampered HPC is still certified UNTRUSTED by the
 *     four verifiers left, the rounds of the clean HPCs are re-run every period with a new committee, and
 *     once the two are restarted over the same data directories they certify again;</li>
 * <li>the fleet LAN split 3 | 4: no two certificates for one HPC and round, on the chain, during the split or after;</li>
 * <li>an HPC's Pi killed (SIGKILL) right after it acknowledged a verdict, before the round closed: restarted, it restores
 *     the round from its journal with every acknowledged vote, and closes it;</li>
 * <li>the chain verifies from every Pi, and credit only grew through certificates.</li>
 * </ol>
 * Figures (rounds, votes, ledger entries) are printed for the record.
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    static final int N = 7;
    static final int PERIOD_SECONDS = 12;
    static final List<String> SCHEDULE = List.of("--fleet-round-period", Integer.toString(PERIOD_SECONDS), "--fleet-challenge-spread", "1",
            "--fleet-round-deadline", "3", "--fleet-verdict-grace", "2");
    /** A certificate waited for comes within this many rounds, or the test fails. */
    static final Duration ROUNDS = Duration.ofSeconds(PERIOD_SECONDS * 10L);
    /** A ledger entry as 'leo ledger show' prints a certificate. */
    static final Pattern SHOWN = Pattern.compile("^#(\\d+) \\S+ certificate: (TRUSTED|UNTRUSTED) for round (\\d+) of HPC (\\S+) at head (\\S+), "
            + "(\\d+) vote\\(s\\) from (\\d+) member\\(s\\)");

    static LeoFleet fleet;

    @BeforeAll
    static void start() throws Exception {
        LeoFleet.assumeRunnable();
        fleet = new LeoFleet(Files.createTempDirectory("leoq-fleet-"), N, SCHEDULE);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    /** Every certificate on the chain, as {@code leo ledger show} prints it from Pi {@code from}'s namespace. */
    static List<Matcher> shownCertificates(int from) throws Exception {
        List<String> args = new ArrayList<>(List.of("ledger", "show", "--limit", "10000"));
        args.addAll(fleet.evm());
        String out = fleet.leo(from, args.toArray(String[]::new));
        return out.lines().map(SHOWN::matcher).filter(Matcher::find).toList();
    }

    @Test
    @Order(1)
    void everyHpcGetsATrustedCertificateOnTheSharedChain() throws Exception {
        Map<Integer, LeoFleet.Certificate> trusted = new TreeMap<>();
        for (int i = 1; i <= N; i++) {
            trusted.put(i, fleet.pis[i].awaitCertificate("TRUSTED", 0, ROUNDS));
        }
        trusted.forEach((i, c) -> System.out.println("HPC " + c.hpc() + " (Pi " + i + "): TRUSTED in round " + c.round() + " with " + c.votes()
                + " vote(s), ledger entry #" + c.ledgerSeq()));
        List<Matcher> shown = shownCertificates(2);
        for (LeoFleet.Certificate c : trusted.values()) {
            assertThat(shown).as("leo ledger show, from another Pi, lists entry #" + c.ledgerSeq())
                    .anyMatch(m -> Long.parseLong(m.group(1)) == c.ledgerSeq() && m.group(2).equals("TRUSTED")
                            && Long.parseLong(m.group(3)) == c.round() && m.group(4).equals(c.hpc().toString())
                            && Integer.parseInt(m.group(6)) == c.votes());
        }
    }

    @Test
    @Order(2)
    void aTamperedHpcGetsAnUntrustedCertificateAndTheOthersStayTrusted() throws Exception {
        int from3 = fleet.pis[3].lines();
        int from1 = fleet.pis[1].lines();
        fleet.hpcs[3].plugUsbStick();
        LeoFleet.Certificate untrusted = fleet.pis[3].awaitCertificate("UNTRUSTED", from3, ROUNDS);
        LeoFleet.Certificate clean = fleet.pis[1].awaitCertificate("TRUSTED", from1, ROUNDS);
        System.out.println("tampered HPC " + untrusted.hpc() + ": UNTRUSTED in round " + untrusted.round() + " with " + untrusted.votes()
                + " vote(s), ledger entry #" + untrusted.ledgerSeq() + "; clean HPC " + clean.hpc() + ": TRUSTED in round " + clean.round());
        assertThat(shownCertificates(5)).anyMatch(m -> Long.parseLong(m.group(1)) == untrusted.ledgerSeq() && m.group(2).equals("UNTRUSTED")
                && m.group(4).equals(untrusted.hpc().toString()));
    }

    @Test
    @Order(3)
    void twoOfSevenKilledMidRoundThenRestartedAndTheRoundsAreReRun() throws Exception {
        // mid-round: a round of HPC 6 has just opened on its Pi (verifiers are challenging it)
        int from6 = fleet.pis[6].lines();
        Pattern opened = Pattern.compile("consensus: round (\\d+) of HPC " + Pattern.quote(fleet.pis[6].hpc().toString()) + " at head \\S+ opened");
        var line = fleet.pis[6].process.output().await(opened, from6, ROUNDS, () -> false);
        assertThat(line).as("a round of HPC 6 opened").isPresent();
        fleet.pis[6].process.kill();
        fleet.pis[7].process.kill();
        System.out.println("killed Pis 6 and 7 (SIGKILL) mid-round: " + line.get().text());

        // the tampered HPC is still certified UNTRUSTED by the four verifiers left (a third of the votes suffices)
        int from3 = fleet.pis[3].lines();
        LeoFleet.Certificate untrusted = fleet.pis[3].awaitCertificate("UNTRUSTED", from3, ROUNDS);
        System.out.println("with 5 of 7 Pis up: tampered HPC 3 UNTRUSTED in round " + untrusted.round() + " with " + untrusted.votes() + " vote(s)");

        // the clean HPCs' rounds are re-run each period; note what the five live Pis achieved meanwhile
        int from1 = fleet.pis[1].lines();
        Pattern opened1 = Pattern.compile("consensus: round (\\d+) of HPC " + Pattern.quote(fleet.pis[1].hpc().toString()) + " at head \\S+ opened");
        for (int k = 0; k < 2; k++) {
            var o = fleet.pis[1].process.output().await(opened1, fleet.pis[1].lines(), ROUNDS, () -> false);
            assertThat(o).as("HPC 1's rounds go on, re-run every period").isPresent();
        }
        System.out.println("while Pis 6 and 7 were down, HPC 1's rounds: " + fleet.pis[1].certificates(from1));

        int after1 = fleet.pis[1].lines();
        for (int i : List.of(6, 7)) {
            fleet.pis[i].start(fleet.run.resolve("boot"), fleet.run.resolve("boot.manifest"), fleet.run.resolve("keys/boot-manifest.pub"),
                    fleet.run.resolve("policy.properties"), fleet.run.resolve("fleet-peers"));
        }
        System.out.println("restarted Pis 6 and 7 over their data directories");
        for (int i : List.of(1, 6, 7)) {
            LeoFleet.Certificate c = fleet.pis[i].awaitCertificate("TRUSTED", i == 1 ? after1 : 0, ROUNDS);
            System.out.println("after the restart: HPC " + c.hpc() + " TRUSTED in round " + c.round() + " with " + c.votes() + " vote(s)");
        }
    }

    @Test
    @Order(4)
    void aPartitionNeverYieldsTwoConflictingCertificatesForOneRound() throws Exception {
        int from1 = fleet.pis[1].lines();
        int from4 = fleet.pis[4].lines();
        fleet.net.partition(Set.of(1, 2, 3));
        Pattern opened1 = Pattern.compile("consensus: round (\\d+) of HPC " + Pattern.quote(fleet.pis[1].hpc().toString()) + " at head \\S+ opened");
        for (int k = 0; k < 3; k++) {
            assertThat(fleet.pis[1].process.output().await(opened1, fleet.pis[1].lines(), ROUNDS, () -> false))
                    .as("HPC 1's rounds go on during the split").isPresent();
        }
        System.out.println("during the split: HPC 1's certificates " + fleet.pis[1].certificates(from1) + ", HPC 4's " + fleet.pis[4].certificates(from4));
        fleet.net.heal();
        int healed1 = fleet.pis[1].lines();
        int healed4 = fleet.pis[4].lines();
        fleet.pis[1].awaitCertificate("TRUSTED", healed1, ROUNDS);
        fleet.pis[4].awaitCertificate("TRUSTED", healed4, ROUNDS);

        List<Matcher> shown = shownCertificates(6);
        Map<String, List<String>> byRound = shown.stream().collect(Collectors.groupingBy(m -> m.group(4) + " round " + m.group(3),
                TreeMap::new, Collectors.mapping(m -> "#" + m.group(1) + " " + m.group(2), Collectors.toList())));
        System.out.println(shown.size() + " certificates on the chain, for " + byRound.size() + " (HPC, round) pairs");
        assertThat(byRound.values()).as("one certificate per HPC and round: " + byRound).allMatch(l -> l.size() == 1);
    }

    @Test
    @Order(5)
    void theHpcsPiKilledMidRoundLosesNoVerdictItAcknowledged() throws Exception {
        String hpc2 = fleet.pis[2].hpc().toString();
        Pattern acked = Pattern.compile("consensus: round (\\d+) of HPC " + Pattern.quote(hpc2)
                + " \\(head [0-9a-f]+\\): selected with (\\d+) vote\\(s\\), signed TRUSTED .*; counted");
        for (int attempt = 1; ; attempt++) {
            var line = fleet.pis[1].process.output().await(acked, fleet.pis[1].lines(), ROUNDS, () -> false);
            assertThat(line).as("Pi 1 had a verdict about HPC 2 acknowledged").isPresent();
            fleet.pis[2].process.kill(); // at once: a TRUSTED round closes only at its deadline, seconds later
            Matcher m = acked.matcher(line.get().text());
            assertThat(m.find()).isTrue();
            long round = Long.parseLong(m.group(1));
            int votes = Integer.parseInt(m.group(2));
            boolean closedBefore = fleet.pis[2].certificates(0).stream().anyMatch(c -> c.round() == round)
                    || fleet.pis[2].process.output().lines().stream().anyMatch(l -> l.text().contains("round " + round + " of HPC " + hpc2)
                    && l.text().contains("closed:"));
            System.out.println("attempt " + attempt + ": Pi 1's verdict (" + votes + " vote(s)) in round " + round + " of HPC " + hpc2
                    + " was acknowledged; Pi 2 killed (SIGKILL)" + (closedBefore ? ", but it had closed the round already" : " before it closed the round"));
            fleet.pis[2].start(fleet.run.resolve("boot"), fleet.run.resolve("boot.manifest"), fleet.run.resolve("keys/boot-manifest.pub"),
                    fleet.run.resolve("policy.properties"), fleet.run.resolve("fleet-peers"));
            if (closedBefore) {
                assertThat(attempt).as("the kill came before the round closed in one of three attempts").isLessThan(3);
                continue;
            }
            Pattern restored = Pattern.compile("consensus: round " + round + " of HPC " + Pattern.quote(hpc2)
                    + " at head [0-9a-f]+\\.\\. restored from the round journal: (\\d+) vote\\(s\\) counted");
            var r = fleet.pis[2].process.output().await(restored, 0, Duration.ofSeconds(60), () -> false);
            assertThat(r).as("Pi 2 restored round " + round + " from its journal").isPresent();
            Matcher n = restored.matcher(r.get().text());
            assertThat(n.find()).isTrue();
            assertThat(Integer.parseInt(n.group(1))).as("every acknowledged vote is counted again").isGreaterThanOrEqualTo(votes);
            Pattern closed = Pattern.compile("consensus: round " + round + " of HPC " + Pattern.quote(hpc2) + " at head [0-9a-f]+\\.\\. closed: ");
            var c = fleet.pis[2].process.output().await(closed, 0, ROUNDS, () -> false);
            assertThat(c).as("the restored round closes").isPresent();
            System.out.println("after the restart: " + r.get().text().replaceAll("^.*consensus: ", "") + "; then "
                    + c.get().text().replaceAll("^.*consensus: ", ""));
            return;
        }
    }

    @Test
    @Order(6)
    void theChainVerifiesFromEveryPiAndCreditGrewOnlyThroughCertificates() throws Exception {
        List<String> args = new ArrayList<>(List.of("ledger", "verify"));
        args.addAll(fleet.evm());
        for (int i = 1; i <= N; i++) {
            assertThat(fleet.leo(i, args.toArray(String[]::new))).contains("chain intact");
        }
        List<String> show = new ArrayList<>(List.of("ledger", "show", "--from", "1", "--limit", "1"));
        show.addAll(fleet.evm());
        String out = fleet.leo(1, show.toArray(String[]::new));
        Map<String, Long> credit = out.lines().filter(l -> l.startsWith("credit ")).map(l -> l.split(" "))
                .collect(Collectors.toMap(f -> f[1], f -> Long.parseLong(f[2])));
        System.out.println("credit after the run: " + credit);
        assertThat(credit).hasSize(N);
        for (int i = 1; i <= N; i++) {
            assertThat(credit.get(fleet.pis[i].memberHex)).as("Pi " + i + " signed certificates: its credit grew from 10").isGreaterThan(10);
        }
    }
}
