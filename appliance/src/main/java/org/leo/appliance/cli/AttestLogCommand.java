package org.leo.appliance.cli;

import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainReport;
import org.leo.attest.log.ChainedEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo attest log verify|show}. */
@Command(name = "log",
        mixinStandardHelpOptions = true,
        subcommands = {AttestLogCommand.Verify.class, AttestLogCommand.Show.class},
        description = "The attestation event log: append-only, every entry chained to the one before by SHA-256.")
public class AttestLogCommand {
    static final String FILE = "attest/attest.db";

    @Command(name = "verify",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Recompute the attestation event log's hash chain and report its head or its first break.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the log read-only (the server may keep running) and recomputes every entry's hash from its "
                    + "fields and the previous entry's hash (the layout is in docs/trust-model.md). An entry that was "
                    + "altered, removed or re-chained is reported with its number. The head it prints is what the Pi's "
                    + "TPM quotes for remote verifiers."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the chain is intact", "1:the chain is broken (the first break is printed)", "2:the log cannot be read"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo attest log verify", "  leo attest log verify --log /var/lib/leo/attest/attest.db"})
    static class Verify implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory; the log is " + FILE + " in it. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--log", paramLabel = "FILE", description = "The log file itself (instead of --data-dir).")
        Path log;

        @Override
        public Integer call() {
            Path file = log != null ? log : dataDir.resolve(FILE);
            try {
                ChainReport r = AttestationLog.verify(file);
                System.out.println(file + ": " + r.sentence());
                return r.intact() ? 0 : 1;
            } catch (java.sql.SQLException e) {
                System.err.println("leo attest log verify: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "show",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print the newest entries of the attestation event log, one sentence each.",
            footerHeading = "%nExamples:%n",
            footer = {"  leo attest log show --hpc 52:54:00:77:00:10 --limit 50"})
    static class Show implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--hpc", paramLabel = "MAC", description = "Only entries about this HPC (or 'appliance').")
        String hpc;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Entries at most. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Override
        public Integer call() throws Exception {
            Path file = dataDir.resolve(FILE);
            if (!java.nio.file.Files.isRegularFile(file)) {
                System.err.println("leo attest log show: no attestation log at " + file);
                return 2;
            }
            try (AttestationLog l = AttestationLog.open(file)) {
                List<ChainedEntry> entries;
                if (hpc != null) {
                    entries = l.forHpc(hpc, limit);
                } else {
                    long from = Math.max(0, l.head().map(ChainedEntry::seq).orElse(0L) - limit);
                    entries = l.since(from, limit);
                }
                for (ChainedEntry e : entries) {
                    System.out.printf("#%d %s %-8s %-24s %s%n", e.seq(), DateTimeFormatter.ISO_INSTANT.format(e.entry().at()),
                            e.entry().severity(), e.entry().eventId(), e.entry().message());
                }
            }
            return 0;
        }
    }
}
