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
        subcommands = {AttestLogCommand.Verify.class, AttestLogCommand.Show.class, AttestLogCommand.Quote.class},
        description = "The attestation event log: append-only, every entry chained to the one before by SHA-256.")
public class AttestLogCommand {
    static final String FILE = "attest/attest.db";

    /** Where the log is: {@code --data-dir DIR} (the log is {@link #FILE} in it) or {@code --log FILE}. */
    static class LogLocation {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory; the log is " + FILE + " in it. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--log", paramLabel = "FILE", description = "The log file itself (instead of --data-dir).")
        Path log;

        Path file() {
            return log != null ? log : dataDir.resolve(FILE);
        }
    }

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
        @picocli.CommandLine.Mixin
        LogLocation location;

        @Override
        public Integer call() {
            Path file = location.file();
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
            descriptionHeading = "%nDescription:%n",
            description = {"Each line is '#SEQ TIME SEVERITY EVENT-ID MESSAGE'. With --json: an array of "
                + "{seq, at, hpc, kind, severity, eventId, message, hash}."},
            footerHeading = "%nExamples:%n",
            footer = {"  leo attest log show --mac 52:54:00:77:00:10 --limit 50"})
    static class Show implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--mac", paramLabel = "MAC", description = "Only entries about this HPC (or 'appliance').")
        String mac;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Entries at most. Default: ${DEFAULT-VALUE}.")
        int limit;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** One entry in the {@code --json} array. */
        record Entry(long seq, String at, String hpc, String kind, String severity, String eventId, String message, String hash) {
            static Entry of(ChainedEntry e) {
                return new Entry(e.seq(), DateTimeFormatter.ISO_INSTANT.format(e.entry().at()), e.entry().hpc(), e.entry().kind().name(),
                        e.entry().severity(), e.entry().eventId(), e.entry().message(), java.util.HexFormat.of().formatHex(e.hash()));
            }
        }

        @Override
        public Integer call() throws Exception {
            Path file = dataDir.resolve(FILE);
            if (!java.nio.file.Files.isRegularFile(file)) {
                System.err.println("leo attest log show: no attestation log at " + file);
                return 2;
            }
            try (AttestationLog l = AttestationLog.open(file)) {
                List<ChainedEntry> entries;
                if (mac != null) {
                    entries = l.forHpc(mac, limit);
                } else {
                    long from = Math.max(0, l.head().map(ChainedEntry::seq).orElse(0L) - limit);
                    entries = l.since(from, limit);
                }
                if (output.json) {
                    Json.print(entries.stream().map(Entry::of).toList());
                    return 0;
                }
                for (ChainedEntry e : entries) {
                    System.out.printf("#%d %s %-8s %-24s %s%n", e.seq(), DateTimeFormatter.ISO_INSTANT.format(e.entry().at()),
                            e.entry().severity(), e.entry().eventId(), e.entry().message());
                }
            }
            return 0;
        }
    }

    @Command(name = "quote",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Have the Pi's TPM sign the attestation event log's head, and check that signature.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Recomputes the log's hash chain (as 'verify' does); when it is intact, resets PCR 23 of the TPM, extends it "
                    + "with the head's hash and quotes it with the nonce, under the TPM's attestation key (the key the "
                    + "server logs at start: '... attestation key HEX'). Then checks the quote as a remote verifier "
                    + "would: the signature under that key, the nonce, and PCR 23 = SHA-256(32 zero bytes || head).",
                "",
                "With --out, writes the quote for a remote verifier: head-seq, head-sha256, nonce, attest, signature "
                    + "(hex) and the key (PEM), one 'name: value' line each.",
                "",
                "A TPM that takes one client at a time (swtpm) must not be in use by a running server; with "
                    + "/dev/tpmrm0 a server's own quote between the reset and the quote makes this one fail its PCR check."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the chain is intact and the quote over its head verifies",
                "1:the chain is broken, or the quote does not verify (both are printed)",
                "2:the log or the TPM cannot be used, or bad options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo attest log quote --tpm device:/dev/tpmrm0",
                "  leo attest log quote --tpm swtpm:127.0.0.1:2321 --nonce 00112233 --out head-quote.txt"})
    static class Quote implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        LogLocation location;

        @Option(names = "--tpm", paramLabel = "ENDPOINT", required = true,
                description = "The Pi's TPM: device:/dev/tpmrm0, or swtpm:HOST:PORT for a software TPM.")
        String tpm;

        @Option(names = "--nonce", paramLabel = "HEX", description = "The verifier's nonce, 1 to 64 bytes in hex. Default: 32 random bytes.")
        String nonce;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the quote to FILE, for a remote verifier.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path file = location.file();
            java.util.HexFormat hex = java.util.HexFormat.of();
            byte[] n;
            org.leo.protocol.tpm.TpmEndpoint endpoint;
            try {
                n = nonce == null ? random32() : hex.parseHex(nonce);
                if (n.length == 0 || n.length > org.leo.protocol.tpm.Tpm.MAX_NONCE_BYTES) {
                    throw new IllegalArgumentException("the nonce must be 1 to " + org.leo.protocol.tpm.Tpm.MAX_NONCE_BYTES + " bytes, got " + n.length);
                }
                endpoint = org.leo.protocol.tpm.TpmEndpoint.parse(tpm);
            } catch (IllegalArgumentException e) {
                System.err.println("leo attest log quote: " + e.getMessage());
                return 2;
            }
            if (!java.nio.file.Files.isRegularFile(file)) {
                System.err.println("leo attest log quote: no attestation log at " + file);
                return 2;
            }
            ChainReport chain;
            try {
                chain = AttestationLog.verify(file);
            } catch (java.sql.SQLException e) {
                System.err.println("leo attest log quote: " + e.getMessage());
                return 2;
            }
            System.out.println(file + ": " + chain.sentence());
            if (!chain.intact()) {
                return 1;
            }
            try (AttestationLog l = AttestationLog.open(file); org.leo.protocol.tpm.Tpm t = org.leo.protocol.tpm.Tpm.open(endpoint)) {
                org.leo.attest.tpm.LogHeadQuoter quoter = new org.leo.attest.tpm.LogHeadQuoter(t, l);
                org.leo.attest.tpm.HeadQuote q = quoter.quote(n);
                org.leo.protocol.tpm.QuoteVerdict v = org.leo.attest.tpm.LogHeadQuoter.verify(quoter.attestationKey().publicKey(), q, n);
                boolean sameHead = q.headSeq() == chain.headSeq() && java.util.Arrays.equals(q.headHash(), chain.headHash());
                System.out.println(q.sentence() + ", nonce " + hex.formatHex(n) + ", by TPM " + endpoint + " attestation key "
                        + quoter.attestationKey().fingerprint());
                if (out != null) {
                    java.nio.file.Files.writeString(out, "head-seq: " + q.headSeq() + "\nhead-sha256: " + hex.formatHex(q.headHash())
                            + "\nnonce: " + hex.formatHex(n) + "\nattest: " + hex.formatHex(q.quote().attest()) + "\nsignature: "
                            + hex.formatHex(q.quote().signature()) + "\n" + q.akPem().strip() + "\n");
                    System.out.println("quote written to " + out);
                }
                if (!sameHead) {
                    System.out.println("quote: the log grew between the chain check and the quote (head #" + q.headSeq()
                            + "); run again");
                    return 1;
                }
                System.out.println("quote: " + (v.ok() ? "verifies (signature, nonce, PCR " + org.leo.attest.tpm.LogHeadQuoter.PCR + ")"
                        : "DOES NOT VERIFY: " + v.summary()));
                return v.ok() ? 0 : 1;
            } catch (org.leo.protocol.tpm.TpmException e) {
                System.err.println("leo attest log quote: the TPM " + endpoint + ": " + e.getMessage());
                return 2;
            }
        }

        private static byte[] random32() {
            byte[] b = new byte[32];
            new java.security.SecureRandom().nextBytes(b);
            return b;
        }
    }
}
