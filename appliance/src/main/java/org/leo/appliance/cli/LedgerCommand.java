package org.leo.appliance.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo ledger show|verify}: the fleet's ledger of attestation records. */
@Command(name = "ledger",
        mixinStandardHelpOptions = true,
        subcommands = {LedgerCommand.Show.class, LedgerCommand.Verify.class},
        description = {
            "The fleet's ledger: members and their keys, reference values, quorum certificates, equivocation evidence and "
                + "credit. It holds attestation records only, never task data. Every entry is chained to the one before by "
                + "SHA-256 (docs/consensus.md)."})
public class LedgerCommand {
    static final String FILE = "consensus/ledger.db";

    /** Where the embedded ledger is: {@code --data-dir DIR} (the ledger is {@link #FILE} in it) or {@code --ledger FILE}. */
    static class Location {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory; the embedded ledger is " + FILE + " in it. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--ledger", paramLabel = "FILE", description = "The embedded ledger file itself (instead of --data-dir).")
        Path ledger;

        Path file() {
            return ledger != null ? ledger : dataDir.resolve(FILE);
        }

        /** Opens it, or prints why not and returns empty. */
        Optional<Ledger> open(String command) {
            Path f = file();
            if (!Files.isRegularFile(f)) {
                System.err.println(command + ": no ledger at " + f);
                return Optional.empty();
            }
            try {
                return Optional.of(EmbeddedLedger.open(f));
            } catch (java.sql.SQLException e) {
                System.err.println(command + ": " + e.getMessage());
                return Optional.empty();
            }
        }
    }

    @Command(name = "show",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print ledger entries, one sentence each, then every member's credit.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Each line is '#SEQ HASH SENTENCE': the entry's number, the first 8 bytes of its hash, and what it records "
                    + "(a member admitted, reference values, a certificate with its outcome, round and votes, equivocation "
                    + "evidence, a credit change with the record it follows from). The ledger is opened read-only in effect "
                    + "and its chain is verified first: a ledger that does not verify is not shown."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:shown", "2:the ledger cannot be read or does not verify"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger show", "  leo ledger show --from 100 --limit 20 --ledger /var/lib/leo/consensus/ledger.db"})
    static class Show implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1", description = "The first entry to print. Default: ${DEFAULT-VALUE}.")
        long from;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Entries at most. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Override
        public Integer call() {
            Optional<Ledger> opened = location.open("leo ledger show");
            if (opened.isEmpty()) {
                return 2;
            }
            try (Ledger l = opened.get()) {
                List<LedgerEntry> entries = l.entries(from, limit);
                entries.forEach(System.out::println);
                System.out.println(entries.size() + " entries shown; head " + l.head().map(e -> "#" + e.seq() + " sha256 "
                        + HexFormat.of().formatHex(e.hash())).orElse("none (empty ledger)"));
                for (Map.Entry<String, Long> c : new java.util.TreeMap<>(l.credits()).entrySet()) {
                    System.out.println("credit " + c.getKey() + " " + c.getValue());
                }
            }
            return 0;
        }
    }

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Recompute the ledger's hash chain and report its head or its first break.",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the chain is intact", "1:the chain is broken (the first break is printed)", "2:the ledger cannot be read"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger verify --data-dir /var/lib/leo"})
    static class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Override
        public Integer call() {
            Path f = location.file();
            if (!Files.isRegularFile(f)) {
                System.err.println("leo ledger verify: no ledger at " + f);
                return 2;
            }
            // opening refuses a broken chain; report that break instead of failing to open
            try (Ledger l = EmbeddedLedger.open(f)) {
                System.out.println(f + ": chain intact, " + l.head().map(e -> e.seq() + " entries, head #" + e.seq() + " sha256 "
                        + HexFormat.of().formatHex(e.hash())).orElse("empty"));
                return 0;
            } catch (java.sql.SQLException e) {
                System.out.println(f + ": " + e.getMessage());
                return e.getMessage() != null && e.getMessage().contains("does not verify") ? 1 : 2;
            }
        }
    }
}
