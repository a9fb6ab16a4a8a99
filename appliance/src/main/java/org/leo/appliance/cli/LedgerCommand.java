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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code leo ledger show|verify|deploy|admit-account|deposit|withdraw}: the fleet's ledger of attestation records and tokens. */
@Command(name = "ledger",
        mixinStandardHelpOptions = true,
        subcommands = {LedgerCommand.Show.class, LedgerCommand.Verify.class, LedgerCommand.Deploy.class, LedgerCommand.AdmitAccount.class,
            LedgerCommand.Deposit.class, LedgerCommand.Withdraw.class},
        description = {
            "The fleet's ledger: members and their keys, reference values, quorum certificates, equivocation evidence and "
                + "credit; services, tasks and their tokens (docs/tasks.md). It holds hashes and terms only, never task data. Every entry is chained to the one before by "
                + "SHA-256 (docs/consensus.md)."})
public class LedgerCommand {
    static final String FILE = "consensus/ledger.db";

    /**
     * Where the ledger is: the EVM contract ({@link EvmOptions}), or the embedded ledger in {@code --data-dir DIR}
     * (the ledger is {@link #FILE} in it) or {@code --ledger FILE}.
     */
    static class Location {
        @picocli.CommandLine.Mixin
        EvmOptions evm = new EvmOptions();

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory; the embedded ledger is " + FILE + " in it. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--ledger", paramLabel = "FILE", description = "The embedded ledger file itself (instead of --data-dir).")
        Path ledger;

        Path file() {
            return ledger != null ? ledger : dataDir.resolve(FILE);
        }

        String describe() {
            return evm.enabled() ? evm.describe() : file().toString();
        }

        /** Opens it, or prints why not and returns empty. */
        Optional<Ledger> open(String command) {
            return open(command, false);
        }

        /** Opens it ({@code appends}: with this appliance account's key on the EVM ledger), or prints why not and returns empty. */
        Optional<Ledger> open(String command, boolean appends) {
            if (evm.enabled()) {
                Optional<String> problem = evm.problem(appends, true);
                if (problem.isPresent()) {
                    System.err.println(command + ": " + problem.get());
                    return Optional.empty();
                }
                try {
                    return Optional.of(org.leo.consensus.ledger.EvmLedger.open(evm.config()));
                } catch (java.io.IOException | RuntimeException e) {
                    System.err.println(command + ": " + evm.describe() + ": " + e.getMessage());
                    return Optional.empty();
                }
            }
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
                    + "and its chain is verified first: a ledger that does not verify is not shown.",
                "",
                "With --json: {entries: [{seq, hash, record}], head: {seq, hash} or null, credits: {MEMBER: N}, "
                    + "balances: {ACCOUNT: N}, tokens: {deposited, balances, escrowed, burned, withdrawn}}; hashes in full."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:shown", "2:the ledger cannot be read or does not verify"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger show", "  leo ledger show --from 100 --limit 20 --ledger /var/lib/leo/consensus/ledger.db",
                "  leo ledger show --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 --evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3"})
    static class Show implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Option(names = "--from", paramLabel = "SEQ", defaultValue = "1", description = "The first entry to print. Default: ${DEFAULT-VALUE}.")
        long from;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Entries at most. Default: ${DEFAULT-VALUE}.")
        int limit;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** An entry (or the head: no record) in the {@code --json} document. */
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        record Entry(long seq, String hash, String record) {
            static Entry of(LedgerEntry e, boolean withRecord) {
                return new Entry(e.seq(), HexFormat.of().formatHex(e.hash()), withRecord ? e.record().describe() : null);
            }
        }

        /** The {@code --json} document. */
        record Shown(List<Entry> entries, Entry head, Map<String, Long> credits, Map<String, Long> balances,
                     org.leo.consensus.ledger.LedgerRules.Tokens tokens) { }

        @Override
        public Integer call() {
            Optional<Ledger> opened = location.open("leo ledger show");
            if (opened.isEmpty()) {
                return 2;
            }
            try (Ledger l = opened.get()) {
                List<LedgerEntry> entries = l.entries(from, limit);
                if (output.json) {
                    Json.print(new Shown(entries.stream().map(e -> Entry.of(e, true)).toList(), l.head().map(e -> Entry.of(e, false)).orElse(null),
                            new java.util.TreeMap<>(l.credits()), new java.util.TreeMap<>(l.balances()),
                            l.tokens()));
                    return 0;
                }
                entries.forEach(System.out::println);
                System.out.println(entries.size() + " entries shown; head " + l.head().map(e -> "#" + e.seq() + " sha256 "
                        + HexFormat.of().formatHex(e.hash())).orElse("none (empty ledger)"));
                for (Map.Entry<String, Long> c : new java.util.TreeMap<>(l.credits()).entrySet()) {
                    System.out.println("credit " + c.getKey() + " " + c.getValue());
                }
                for (Map.Entry<String, Long> b : new java.util.TreeMap<>(l.balances()).entrySet()) {
                    System.out.println("tokens " + b.getKey() + " " + b.getValue());
                }
                var t = l.tokens();
                System.out.println("tokens deposited " + t.deposited() + ", in balances " + t.balances() + ", in escrow " + t.escrowed()
                        + ", burned " + t.burned() + ", withdrawn " + t.withdrawn());
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
            footer = {"  leo ledger verify --data-dir /var/lib/leo",
                "  leo ledger verify --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 --evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3"})
    static class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Override
        public Integer call() {
            if (location.evm.enabled()) {
                Optional<Ledger> opened = location.open("leo ledger verify");
                if (opened.isEmpty()) {
                    return 2;
                }
                try (Ledger l = opened.get()) {
                    Optional<String> broken = l.verifyChain();
                    System.out.println(location.describe() + ": " + broken.map(b -> "does not verify: " + b)
                            .orElse("chain intact, " + l.head().map(e -> e.seq() + " entries, head #" + e.seq() + " sha256 "
                                    + HexFormat.of().formatHex(e.hash())).orElse("empty") + "; the contract's credit equals the records' replay"));
                    return broken.isPresent() ? 1 : 0;
                }
            }
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

    @Command(name = "deploy",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Deploy a new LeoLedger contract for a fleet and print its address.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "The account of --evm-key-file becomes the contract's owner, for ever, and its first appliance account; only the "
                    + "owner admits further appliance accounts (leo ledger admit-account). Every appliance of the fleet is then "
                    + "configured with the printed address (--evm-contract). Prints 'contract ADDRESS' and 'owner ADDRESS'."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:deployed", "1:the endpoint refused the deployment (the message says why)", "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger deploy --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 --evm-key-file /etc/leo/evm-owner.key"})
    static class Deploy implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        EvmOptions evm = new EvmOptions();

        @Override
        public Integer call() {
            Optional<String> problem = evm.problem(true, false);
            if (problem.isPresent()) {
                System.err.println("leo ledger deploy: " + problem.get());
                return 2;
            }
            try {
                String key = evm.privateKey();
                String address = org.leo.consensus.ledger.EvmLedger.deploy(evm.rpc, evm.chainId, key);
                System.out.println("contract " + address);
                System.out.println("owner " + org.leo.consensus.ledger.EvmLedgerConfig.accountOf(key));
                return 0;
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("leo ledger deploy: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "admit-account",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Let another appliance account append to the fleet's EVM ledger (the owner's operation).",
            descriptionHeading = "%nDescription:%n",
            description = {
                "ACCOUNT is the address 'leo fleet identity --evm-key-file' prints for that appliance. Admitting an account lets it "
                    + "append records; it does not make its Pi a member of the fleet (that is a join with a TPM quote, "
                    + "docs/consensus.md)."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:admitted", "1:the contract refused (not the owner), or the endpoint failed", "2:invalid options, or an ACCOUNT that is not an address"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger admit-account --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 "
                    + "--evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 --evm-key-file /etc/leo/evm-owner.key "
                    + "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"})
    static class AdmitAccount implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        EvmOptions evm = new EvmOptions();

        @picocli.CommandLine.Parameters(paramLabel = "ACCOUNT", arity = "1..*", description = "Appliance account addresses (0x and 40 hex digits).")
        List<String> accounts;

        @Override
        public Integer call() {
            Optional<String> problem = evm.problem(true, true);
            if (problem.isPresent()) {
                System.err.println("leo ledger admit-account: " + problem.get());
                return 2;
            }
            try (org.leo.consensus.ledger.EvmLedger l = org.leo.consensus.ledger.EvmLedger.open(evm.config())) {
                for (String a : accounts) {
                    if (!a.matches("0x[0-9a-fA-F]{40}")) {
                        System.err.println("leo ledger admit-account: '" + a + "' is not an account address (0x and 40 hex digits)");
                        return 2;
                    }
                    l.admitAccount(a);
                    System.out.println("admitted " + a);
                }
                return 0;
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("leo ledger admit-account: " + e.getMessage());
                return 1;
            }
        }
    }

    /**
     * {@code deposit} and {@code withdraw}: a member and a number of tokens, moved by what the subcommand names
     * ({@link Ledger#deposit} or {@link Ledger#withdraw}); the command's name in messages is its {@code @Command} name.
     */
    abstract static class TokenMove implements Callable<Integer> {
        /** The ledger operation: the entry appended for moving {@code tokens} of {@code member}. */
        interface Move {
            LedgerEntry apply(Ledger l, byte[] member, long tokens);
        }

        private final Move move;

        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Location location;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "MEMBER", description = "The member's key (64 hex digits, as 'leo ledger show' prints it).")
        String member;

        @picocli.CommandLine.Parameters(index = "1", paramLabel = "TOKENS", description = "Whole tokens, at least 1 (on the EVM ledger 1 token = 1 gwei).")
        long tokens;

        TokenMove(Move move) {
            this.move = move;
        }

        @Override
        public Integer call() {
            String command = "leo ledger " + spec.name();
            if (!member.matches("[0-9a-fA-F]{64}") || tokens < 1) {
                System.err.println(command + ": MEMBER is 64 hex digits and TOKENS at least 1");
                return 2;
            }
            Optional<Ledger> opened = location.open(command, true);
            if (opened.isEmpty()) {
                return 2;
            }
            try (Ledger l = opened.get()) {
                System.out.println(move.apply(l, HexFormat.of().parseHex(member), tokens));
                System.out.println("tokens " + member.toLowerCase(java.util.Locale.ROOT) + " "
                        + l.balances().getOrDefault(member.toLowerCase(java.util.Locale.ROOT), 0L));
                return 0;
            } catch (RuntimeException e) {
                System.err.println(command + ": " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "deposit",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Credit tokens to a member's balance (docs/tasks.md \"Settlement on the ledgers\").",
            descriptionHeading = "%nDescription:%n",
            description = {
                "On the EVM ledger this appliance account sends TOKENS gwei to the contract's deposit(), which appends the entry; the "
                    + "first admitted appliance account to deposit for a member becomes the account it withdraws to. On the embedded "
                    + "ledger the entry is the operator's bookkeeping: nothing backs the tokens but the operator's word."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:deposited", "1:refused (a non-member, another member's account)", "2:invalid options, or the ledger cannot be opened"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger deposit --data-dir /var/lib/leo 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29 1000"})
    static class Deposit extends TokenMove {
        Deposit() {
            super(Ledger::deposit);
        }
    }

    @Command(name = "withdraw",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Pay tokens of a member's balance out to its account.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "On the EVM ledger only the member's account (the first admitted appliance account that deposited for it) may: the "
                    + "contract appends the entry and sends TOKENS gwei. On the embedded ledger the entry records what the operator paid out."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:withdrawn", "1:refused (not the member's account, more than its balance)", "2:invalid options, or the ledger cannot be opened"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo ledger withdraw --data-dir /var/lib/leo 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29 100"})
    static class Withdraw extends TokenMove {
        Withdraw() {
            super(Ledger::withdraw);
        }
    }
}
