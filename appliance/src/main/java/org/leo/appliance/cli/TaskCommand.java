package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.consensus.fleet.FleetLedger;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.task.Settlement;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.Terms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo task submit|status|result}: trusted tasks on the fleet's ledger, their groups, rounds and payments (docs/tasks.md). */
@Command(name = "task",
        mixinStandardHelpOptions = true,
        subcommands = {TaskCommand.Submit.class, TaskOfferCommand.class, TaskCommand.Status.class, TaskResultCommand.class},
        description = {
            "Trusted tasks (docs/tasks.md): a member's data capsules for a published service, with a payment escrowed from its "
                + "token balance. The fleet elects the task's group (an executor and monitors) by sortition from the task's entry, "
                + "the monitors certify the executor's HPC before the keys are released and after its clean-up, and the clean-up "
                + "certificate settles the payment: the service's author, the executor and the monitors are paid, a tenth is burned. "
                + "The result, sealed to the owner Pi's TPM, is fetched by the owner's Pi and opened with 'leo task result'. "
                + "Another member's data, offered for the service with 'leo task offer', joins a task with 'leo task submit "
                + "--data-capsule'."},
        footerHeading = "%nSee also:%n",
        footer = {"  leo service publish   a service to submit tasks for",
            "  leo ledger deposit    tokens for the payment",
            "  docs/tasks.md         the records, the election, the rounds, the settlement"})
public class TaskCommand {
    /** The entry {@code seq} of {@code ledger}, if there is one. */
    static Optional<LedgerEntry> entry(Ledger ledger, long seq) {
        if (seq < 1) {
            return Optional.empty();
        }
        List<LedgerEntry> e = ledger.entries(seq, 1);
        return e.isEmpty() || e.get(0).seq() != seq ? Optional.empty() : Optional.of(e.get(0));
    }

    /** The service at entry {@code seq}, or empty after saying on standard error that it is none. */
    static Optional<LedgerRecord.ServicePublished> service(String command, Ledger ledger, long seq, LedgerCommand.Location location) {
        Optional<LedgerRecord.ServicePublished> s = entry(ledger, seq).map(LedgerEntry::record)
                .filter(LedgerRecord.ServicePublished.class::isInstance).map(LedgerRecord.ServicePublished.class::cast);
        if (s.isEmpty()) {
            System.err.println(command + ": entry #" + seq + " is not a service on " + location.describe());
        }
        return s;
    }

    /** The least credits of the executor and the monitors: a task's terms (submit), a capsule's requirements (offer). */
    static final class LeastCredits {
        @Option(names = "--min-executor-credit", paramLabel = "N", defaultValue = "0",
                description = "The least ledger credit of the executor (an offered capsule's: the least a task must ask). Default: "
                        + "${DEFAULT-VALUE}.")
        long executor;

        @Option(names = "--min-monitor-credit", paramLabel = "N", defaultValue = "0",
                description = "The least ledger credit of each monitor (an offered capsule's: the least a task must ask). Default: "
                        + "${DEFAULT-VALUE}.")
        long monitor;
    }

    @Command(name = "submit",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Submit a task: seal its data for a service's image and append it, its payment escrowed, to the ledger.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the service (the ServicePublished entry --service) for its image and price and checks, before sealing "
                    + "anything, that this Pi is a member, that --payment covers the burn (a tenth) and the service's price, and "
                    + "that this Pi's token balance covers --payment (else: run 'leo ledger deposit' first). Seals each --data file "
                    + "into a data capsule for the service's image with the task's least credits (as 'leo capsule seal --kind data "
                    + "--budget PAYMENT', signed by this Pi's member key), puts it into this Pi's capsule store (DATA-DIR/capsules) "
                    + "and its key file into DATA-DIR/capsule-keys/CAPSULE-ID.key, where this Pi releases it from to the task's "
                    + "executor. Then appends the TaskSubmitted entry, signed by the member key, which moves the payment from "
                    + "the balance into the task's escrow, and prints 'task SEQ' (the task's id) and a 'data-capsule HEX' line "
                    + "for each file and each --data-capsule.",
                "",
                "--data-capsule names a data capsule another member offered for this service ('leo task offer' on its Pi): the "
                    + "executor fetches it from the fleet's Pis and asks its owner's Pi for its key, which checks its offer and "
                    + "requirements; the result is sealed to every data capsule owner's TPM, each fetching its own copy. The "
                    + "owner of the task gets a result only for data of its own (--data, or a capsule it sealed).",
                "",
                "The key files: with --tpm or --wrap-key, each AES key wrapped to the Pi's TPM; without, in clear (mode 0600, never released). "
                    + "If no clean-up certificate of the task is recorded within --expires-after entries, the task expires and "
                    + "its owner is refunded the payment less the burn ('leo task status')."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:submitted",
                "1:refused: not a service, not a member, a payment the balance does not cover or that does not cover the burn and "
                    + "the price, the TPM cannot wrap a key or --wrap-key is not a wrap key file, the ledger refuses the entry, or a file cannot be read or written",
                "2:invalid options, or the ledger cannot be opened"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo task submit --service 12 --data genome.tar --payment 1000 --tpm device:/dev/tpmrm0",
                "  leo task submit --service 12 --data a.csv --data b.csv --payment 1000 --group-size 7 --min-executor-credit 100 \\",
                "      --min-monitor-credit 10 --expires-after 5000 --data-dir /var/lib/leo",
                "  leo task submit --service 12 --data names-a --data-capsule 9f86...0f00 --payment 100 --wrap-key /var/lib/leo/capsule-wrap-key.pub"})
    static class Submit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        LedgerCommand.Location location;

        @Option(names = "--service", paramLabel = "SEQ", required = true, description = "The service: the seq of its ServicePublished entry.")
        long service;

        @Option(names = "--data", paramLabel = "FILE", arity = "1..*",
                description = "The task's data files, each sealed into a data capsule.")
        List<Path> data = new ArrayList<>();

        @Option(names = "--data-capsule", paramLabel = "HEX", arity = "1..*",
                description = "A data capsule by its id (64 hex digits), already in a Pi's store: another member's, offered for the "
                        + "service with 'leo task offer'. With --data, 1..16 capsules in all.")
        List<String> dataCapsules = new ArrayList<>();

        @Option(names = "--payment", paramLabel = "N", required = true,
                description = "What the task pays, in token units, escrowed from this Pi's balance: at least the service's price and the burn.")
        long payment;

        @Option(names = "--group-size", paramLabel = "N", defaultValue = "5",
                description = "The expected size of the task's execution group (sortition draws about as many). Default: ${DEFAULT-VALUE}.")
        int groupSize;

        @picocli.CommandLine.Mixin
        LeastCredits credits;

        @Option(names = "--expires-after", paramLabel = "ENTRIES", defaultValue = "10000",
                description = "The task expires if no clean-up certificate of it is on the ledger this many entries after its own "
                        + "(1..2^24). Default: ${DEFAULT-VALUE}.")
        int expiresAfter;

        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
        KeyWrapping wrapping;

        @Override
        public Integer call() {
            String command = "leo task submit";
            int count = data.size() + dataCapsules.size();
            if (count < 1 || count > LedgerRecord.MAX_TASK_CAPSULES || groupSize < 1 || groupSize > LedgerRecord.MAX_TASK_GROUP || payment < 0
                    || credits.executor < 0 || credits.monitor < 0 || expiresAfter < 1 || expiresAfter > LedgerRecord.MAX_TASK_EXPIRY) {
                throw new ParameterException(spec.commandLine(), "1.." + LedgerRecord.MAX_TASK_CAPSULES + " --data files and --data-capsule ids, --group-size 1.."
                        + LedgerRecord.MAX_TASK_GROUP + ", --payment and credits at least 0, --expires-after 1.." + LedgerRecord.MAX_TASK_EXPIRY);
            }
            List<ContentAddress> named = new ArrayList<>();
            for (String hex : dataCapsules) {
                try {
                    named.add(ContentAddress.parse(hex));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--data-capsule: " + e.getMessage());
                }
            }
            Optional<Ledger> opened = location.open(command, true);
            if (opened.isEmpty()) {
                return 2;
            }
            Path dataDir = location.dataDir;
            try (Ledger l = opened.get()) {
                Optional<LedgerRecord.ServicePublished> s = service(command, l, service, location);
                if (s.isEmpty()) {
                    return 1;
                }
                Optional<MemberKeys> keys = ServiceCommand.member(command, dataDir, l);
                if (keys.isEmpty()) {
                    return 1;
                }
                String problem = Settlement.paymentProblem(payment, s.get().price());
                if (problem != null) {
                    System.err.println(command + ": " + problem);
                    return 1;
                }
                String me = keys.get().memberHex();
                long balance = l.balances().getOrDefault(me, 0L);
                if (balance < payment) {
                    System.err.println(command + ": member " + me + " has " + balance + " token(s), the task pays " + payment
                            + ": run 'leo ledger deposit " + me + " " + (payment - balance) + "' first");
                    return 1;
                }
                String image = "sha256:" + HexFormat.of().formatHex(s.get().imageSha256());
                Requirements requirements = Requirements.of(image, credits.executor, credits.monitor);
                List<ContentAddress> capsules = new ArrayList<>();
                for (Path f : data) {
                    String label = f.getFileName().toString();
                    ContentAddress c = CapsuleCommand.sealIntoStore(command, keys.get(), dataDir, f, CapsuleKind.DATA, requirements,
                            Terms.budget(payment), org.leo.protocol.capsule.CapsuleHeader.labelProblem(label) == null ? label : "", wrapping);
                    if (c == null) {
                        return 1;
                    }
                    capsules.add(c);
                }
                capsules.addAll(named);
                LedgerEntry e = l.append(keys.get().signTask(service, capsules.stream().map(ContentAddress::bytes).toList(), groupSize,
                        credits.executor, credits.monitor, payment, expiresAfter));
                System.out.println("task " + e.seq());
                capsules.forEach(c -> System.out.println("data-capsule " + c.hex()));
                System.out.println("escrowed " + payment + "; expires after entry #" + (e.seq() + expiresAfter));
                return 0;
            } catch (IOException e) {
                System.err.println(command + ": " + e);
                return 1;
            } catch (RuntimeException e) {
                System.err.println(command + ": the ledger refuses the task: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "status",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print a task's terms, group, round certificates and payments, as the ledger records them.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the ledger from the task's entry on. Prints the task's terms ('task', 'service', 'data-capsule', 'terms' "
                    + "lines); its group ('group #SEQ', 'executor MEMBER votes N', 'monitor MEMBER votes N' lines, or 'group none "
                    + "yet'), re-elected from the group's claims with the members' VRF keys and credit as of the task's entry "
                    + "('election' line: 'the record is the elected group', or what is wrong with it: the ledgers pay by the "
                    + "record, a reader checks it); each certificate of a round of the task drawn at its group's entry "
                    + "('certificate #SEQ PHASE attempt N OUTCOME, V verdict(s)'); and how it ended: 'settled #SEQ by clean-up "
                    + "certificate #C' with a 'paid MEMBER N (ROLE)' line for each party and 'burned N' (the Settlement split), "
                    + "'expired #SEQ' with the owner's refund and the burn, or 'open' with the entry it expires after.",
                "",
                "With --json: {task: SEQ, lines: [the same lines]}."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:shown", "1:SEQ is not a task on the ledger", "2:the ledger cannot be read"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo task status 13",
                "  leo task status 13 --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 --evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3"})
    static class Status implements Callable<Integer> {
        /** Entries read per page. */
        static final int PAGE = 500;

        @picocli.CommandLine.Mixin
        LedgerCommand.Location location;

        @Parameters(paramLabel = "SEQ", description = "The task: the seq of its TaskSubmitted entry ('leo task submit' prints it).")
        long seq;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** The {@code --json} document: the task and the lines above, each beginning with its keyword. */
        record Shown(long task, List<String> lines) { }

        @Override
        public Integer call() {
            String command = "leo task status";
            Optional<Ledger> opened = location.open(command);
            if (opened.isEmpty()) {
                return 2;
            }
            try (Ledger l = opened.get()) {
                Optional<LedgerEntry> taskEntry = entry(l, seq).filter(e -> e.record() instanceof LedgerRecord.TaskSubmitted);
                if (taskEntry.isEmpty()) {
                    System.err.println(command + ": entry #" + seq + " is not a task on " + location.describe());
                    return 1;
                }
                List<String> lines = lines(l, taskEntry.get());
                if (output.json) {
                    Json.print(new Shown(seq, lines));
                } else {
                    lines.forEach(System.out::println);
                }
                return 0;
            } catch (RuntimeException e) {
                System.err.println(command + ": " + location.describe() + ": " + e.getMessage());
                return 2;
            }
        }

        /** The lines of the status, in order (a settlement's or expiry's lines included). */
        private List<String> lines(Ledger l, LedgerEntry taskEntry) {
            List<String> out = new ArrayList<>();
            HexFormat hex = HexFormat.of();
            LedgerRecord.TaskSubmitted t = (LedgerRecord.TaskSubmitted) taskEntry.record();
            Optional<LedgerRecord.ServicePublished> service = entry(l, t.serviceSeq()).map(LedgerEntry::record)
                    .filter(LedgerRecord.ServicePublished.class::isInstance).map(LedgerRecord.ServicePublished.class::cast);
            out.add("task #" + seq + " by member " + hex.formatHex(t.owner()) + (t.signatureValid() ? "" : " (its signature does not verify)"));
            out.add("service #" + t.serviceSeq() + service.map(s -> " '" + s.name() + "' by member " + hex.formatHex(s.author())
                    + ", image sha256:" + hex.formatHex(s.imageSha256()) + ", price " + s.price()).orElse(" (not a service)"));
            t.dataCapsules().forEach(c -> out.add("data-capsule " + hex.formatHex(c)));
            out.add("terms payment " + t.payment() + ", group of " + t.groupSize() + ", executor credit >= " + t.minExecutorCredit()
                    + ", monitor credit >= " + t.minMonitorCredit() + ", expires after entry #" + (seq + t.expiresAfter()));
            LedgerEntry group = null;
            List<String> certificates = new ArrayList<>();
            String end = null;
            for (long from = seq + 1; end == null; ) {
                List<LedgerEntry> page = l.entries(from, PAGE);
                for (LedgerEntry e : page) {
                    LedgerRecord r = e.record();
                    if (group == null && r instanceof LedgerRecord.GroupElected g && g.taskSeq() == seq) {
                        group = e;
                        printGroup(l, taskEntry, e, out);
                    } else if (group != null && r instanceof LedgerRecord.CertificateRecorded c && ours(c.certificate(), group)) {
                        TaskRound round = TaskRound.of(c.certificate().round().round()).orElseThrow();
                        certificates.add("certificate #" + e.seq() + " " + round.phase() + " attempt " + round.attempt() + " "
                                + c.certificate().outcome() + ", " + c.certificate().verdicts().size() + " verdict(s)");
                    } else if (r instanceof LedgerRecord.TaskSettled s && s.taskSeq() == seq) {
                        end = settled(e, s, t, service, group);
                    } else if (r instanceof LedgerRecord.TaskExpired x && x.taskSeq() == seq) {
                        long burn = Settlement.burn(t.payment());
                        end = "expired #" + e.seq() + ": owner " + hex.formatHex(t.owner()) + " refunded " + (t.payment() - burn) + "\nburned " + burn;
                    }
                    if (end != null) {
                        break;
                    }
                }
                if (page.size() < PAGE) {
                    break;
                }
                from = page.get(page.size() - 1).seq() + 1;
            }
            if (group == null) {
                out.add("group none yet");
            }
            out.addAll(certificates);
            out.addAll(List.of((end != null ? end : "open: " + t.payment() + " token(s) in escrow; no settlement yet, expires after entry #"
                    + (seq + t.expiresAfter())).split("\n")));
            return out;
        }

        /** A certificate of a round of this task drawn at its group's entry: the ledgers' rule for a task's certificate. */
        private boolean ours(QuorumCertificate c, LedgerEntry group) {
            return TaskRound.of(c.round().round()).filter(r -> r.taskSeq() == seq).isPresent()
                    && java.util.Arrays.equals(c.round().ledgerHead(), group.hash());
        }

        private void printGroup(Ledger l, LedgerEntry taskEntry, LedgerEntry groupEntry, List<String> out) {
            HexFormat hex = HexFormat.of();
            LedgerRecord.GroupElected g = (LedgerRecord.GroupElected) groupEntry.record();
            out.add("group #" + groupEntry.seq() + " of " + g.claims().size() + " member(s)");
            for (LedgerRecord.GroupClaim c : g.claims()) {
                boolean executor = java.util.Arrays.equals(c.member(), g.executor());
                out.add((executor ? "executor " : "monitor ") + hex.formatHex(c.member()) + " votes " + c.votes());
            }
            FleetLedger.Snapshot at = new FleetLedger(l).atEntry(taskEntry);
            Optional<String> problem = TaskElection.recordedGroupProblem(taskEntry, at.members(), at.totalCredit(), g);
            out.add("election " + problem.map(p -> "does not re-elect the record: " + p).orElse("the record is the elected group"));
        }

        private String settled(LedgerEntry e, LedgerRecord.TaskSettled s, LedgerRecord.TaskSubmitted t,
                               Optional<LedgerRecord.ServicePublished> service, LedgerEntry group) {
            HexFormat hex = HexFormat.of();
            StringBuilder out = new StringBuilder("settled #" + e.seq() + " by clean-up certificate #" + s.certificateSeq());
            if (service.isEmpty() || group == null) {
                return out.append(" (no service or group to split by)").toString();
            }
            LedgerRecord.GroupElected g = (LedgerRecord.GroupElected) group.record();
            List<byte[]> monitors = g.members().stream().filter(m -> !java.util.Arrays.equals(m, g.executor())).toList();
            Settlement.Split split = Settlement.split(t.payment(), service.get().price(), service.get().author(), g.executor(), monitors,
                    s.penalised());
            String author = hex.formatHex(service.get().author());
            String executor = hex.formatHex(g.executor());
            for (Map.Entry<String, Long> p : split.paid().entrySet()) {
                List<String> roles = new ArrayList<>();
                if (p.getKey().equals(author)) {
                    roles.add("author");
                }
                if (p.getKey().equals(executor)) {
                    roles.add("executor");
                }
                if (monitors.stream().anyMatch(m -> hex.formatHex(m).equals(p.getKey()))) {
                    roles.add("monitor");
                }
                out.append("\npaid ").append(p.getKey()).append(' ').append(p.getValue()).append(" (").append(String.join(", ", roles)).append(')');
            }
            s.penalised().forEach(p -> out.append("\npenalised ").append(p).append(" (its share burned)"));
            return out.append("\nburned ").append(split.burned()).toString();
        }
    }
}
