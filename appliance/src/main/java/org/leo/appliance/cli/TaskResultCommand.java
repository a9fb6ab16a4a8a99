package org.leo.appliance.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.consensus.fleet.FleetClient;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.fleet.OwnResults;
import org.leo.consensus.fleet.PeerList;
import org.leo.consensus.fleet.Refusals;
import org.leo.consensus.fleet.ResultStore;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.ResultCapsule;
import org.leo.protocol.capsule.ResultCapsuleException;
import org.leo.protocol.capsule.ResultOpener;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.TpmException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo task result}: the owner's side of a task's result, checked and opened with this Pi's TPM (docs/tasks.md). */
@Command(name = "result",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Open the result of one of this Pi's tasks, or of a task with its data, with its TPM: checked, then written to a file.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "The executor's HPC sealed the task's result to this Pi's TPM wrap key (a result capsule: AES-256-GCM, the key "
                + "wrapped to the TPM, signed by the HPC agent's certificate). The running Pi ('leo pxe serve --fleet') fetches "
                + "it by itself from the executor's Pi once the task's clean-up certificate or settlement is on the ledger, into "
                + "DATA-DIR/results-received/TASK.result, and keeps the agent certificates it released the task's keys to beside "
                + "it, in TASK.agents. This command reads that file; if it is missing it fetches the result "
                + "itself from the executor's Pi (the executor from the task's GroupElected entry, its address from --fleet-peers, "
                + "mutual TLS with this Pi's member key from DATA-DIR/consensus/member.key) and stores it there. A task of another "
                + "member that names a data capsule of this Pi's (one whose key it holds in DATA-DIR/capsule-keys, e.g. offered "
                + "with 'leo task offer') is opened the same way: the executor kept a copy sealed to this Pi's TPM.",
            "",
            "Then it checks, printing one 'check NAME ok: ...' line each: 'task' (the capsule is the result of task --task), "
                + "'agent' (signed by the agent certificate this Pi released the task's keys to), 'recipient' (sealed to this "
                + "Pi's TPM wrap key), 'payload' (the ciphertext is the one the agent signed), 'open' (the TPM unwraps the key, "
                + "the ciphertext decrypts, the plaintext has the digest the agent signed). Only then is the plaintext written "
                + "to --out (mode 0600, never over an existing file) and 'out FILE N bytes sha256 HEX' printed. A check that "
                + "fails is said on stderr as 'check NAME failed (CODE): why', and nothing is written.",
            "",
            "The TPM: on a Pi, device:/dev/tpmrm0 is shared by the resource manager and the command may run while the Pi "
                + "runs. A swtpm (tests, labs) serves one TCP client at a time and a running 'leo pxe serve' holds it: run the "
                + "command while the Pi is stopped."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:checked, opened and written",
            "1:no such task, not this Pi's task, no result yet (no group, the executor's Pi has none or cannot be reached), "
                + "a check failed (which is said), or the TPM or a file cannot be used",
            "2:invalid options, or the ledger cannot be opened"},
        footerHeading = "%nExamples:%n",
        footer = {"  leo task result --task 13 --tpm device:/dev/tpmrm0 --out grey.png",
            "  leo task result --data-dir /var/lib/leo --task 13 --tpm device:/dev/tpmrm0 \\",
            "      --out result.bin --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 \\",
            "      --evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3",
            "",
            "See also: leo task status (the task's group, certificates and settlement);",
            "  docs/tasks.md \"How the owner gets the result\""})
class TaskResultCommand implements Callable<Integer> {
    static final String COMMAND = "leo task result";
    /** The largest result read or fetched: the executor's cap (TaskExecutions.Config). */
    static final long MAX_RESULT_BYTES = OwnResults.Config.defaults().maxResultBytes();
    static final Duration FETCH_DEADLINE = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    LedgerCommand.Location location;

    @Option(names = "--task", paramLabel = "N", required = true, description = "The task: the seq of its TaskSubmitted entry ('leo task submit' prints it).")
    long task;

    @Option(names = "--tpm", paramLabel = "ENDPOINT", required = true,
            description = "This Pi's TPM (device:/dev/tpmrm0, or swtpm:HOST:PORT), whose wrap key the result is sealed to.")
    String tpm;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where the plaintext is written (not an existing file).")
    Path out;

    @Option(names = "--fleet-peers", paramLabel = "FILE", defaultValue = "/etc/leo/fleet-peers",
            description = "The static peer list (as for 'leo pxe serve --fleet'): the executor's Pi's address, when the result is fetched "
                    + "here. Default: ${DEFAULT-VALUE}.")
    Path peers;

    /** A refusal: the sentence is printed after the command's name, exit 1. */
    private static final class Refused extends Exception {
        Refused(String sentence) {
            super(sentence, null, false, false);
        }
    }

    @Override
    public Integer call() {
        if (task < 1) {
            throw new ParameterException(spec.commandLine(), "--task is a ledger seq, 1 or more");
        }
        if (Files.exists(out)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " exists: the plaintext is never written over a file");
        }
        TpmEndpoint endpoint;
        try {
            endpoint = TpmEndpoint.parse(tpm);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tpm: " + e.getMessage());
        }
        Optional<Ledger> opened = location.open(COMMAND);
        if (opened.isEmpty()) {
            return 2;
        }
        Path dir = location.dataDir.resolve(OwnResults.DIR);
        try (Ledger l = opened.get()) {
            MemberKeys me = ownerKeys(l);
            byte[] sealed = sealed(l, me, dir);
            ResultCapsule capsule;
            try {
                capsule = ResultCapsule.parse(sealed, MAX_RESULT_BYTES);
            } catch (ResultCapsuleException e) {
                throw new Refused("check capsule failed (" + e.code() + "): " + dir.resolve(task + ".result") + " is no result capsule: " + detail(e));
            }
            X509Certificate agent = agent(dir, capsule);
            byte[] plaintext;
            try (Tpm t = Tpm.open(endpoint)) {
                byte[] recipient = t.wrapKeyPublic().publicKey().getEncoded();
                plaintext = open(capsule, agent, recipient, t);
            } catch (TpmException e) {
                throw new Refused("the TPM " + endpoint + " cannot be used: " + e.getMessage()
                        + (endpoint instanceof TpmEndpoint.Swtpm ? " (a swtpm serves one client: is 'leo pxe serve' running?)" : ""));
            }
            Files.write(Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), plaintext,
                    StandardOpenOption.WRITE);
            System.out.println("out " + out + " " + plaintext.length + " bytes sha256 " + ContentAddress.of(plaintext).hex());
            return 0;
        } catch (Refused e) {
            System.err.println(COMMAND + ": " + e.getMessage());
            return 1;
        } catch (FileAlreadyExistsException e) {
            System.err.println(COMMAND + ": " + out + " appeared meanwhile: nothing written");
            return 1;
        } catch (IOException e) {
            System.err.println(COMMAND + ": " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            System.err.println(COMMAND + ": " + location.describe() + ": " + e.getMessage());
            return 1;
        }
    }

    /** Whether the task names a data capsule whose key this Pi holds (its member's, e.g. offered with 'leo task offer'). */
    private boolean namesDataOfThisPi(LedgerRecord.TaskSubmitted t) throws IOException {
        org.leo.consensus.fleet.WrappedKeys keys = org.leo.consensus.fleet.WrappedKeys.directory(
                location.dataDir.resolve(org.leo.consensus.fleet.FleetAppliance.CAPSULE_KEYS));
        for (byte[] a : t.dataCapsules()) {
            if (keys.wrapped(org.leo.protocol.capsule.ContentAddress.ofDigest(a)).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** This Pi's member keys, if the task is on the ledger and is this member's or names a data capsule of this Pi's. */
    private MemberKeys ownerKeys(Ledger l) throws Refused, IOException {
        LedgerRecord.TaskSubmitted t = TaskCommand.entry(l, task).map(LedgerEntry::record).filter(LedgerRecord.TaskSubmitted.class::isInstance)
                .map(LedgerRecord.TaskSubmitted.class::cast)
                .orElseThrow(() -> new Refused("entry #" + task + " is not a task on " + location.describe()));
        Path keyFile = location.dataDir.resolve(FleetOptions.DIR).resolve(MemberKeyFile.NAME);
        if (!Files.isRegularFile(keyFile)) {
            throw new Refused("no member key at " + keyFile + ": this data directory is not a Pi of the fleet");
        }
        MemberKeys me = MemberKeyFile.load(keyFile);
        if (!MessageDigest.isEqual(t.owner(), me.member()) && !namesDataOfThisPi(t)) {
            throw new Refused("task #" + task + " is member " + HexFormat.of().formatHex(t.owner()) + "'s, not this Pi's (member " + me.memberHex()
                    + "), and names no data capsule this Pi holds the key of: only its data owners' TPMs open its result");
        }
        return me;
    }

    /** The stored result, else the one fetched from the executor's Pi now (and stored). */
    private byte[] sealed(Ledger l, MemberKeys me, Path dir) throws Refused, IOException {
        ResultStore store = new ResultStore(dir, MAX_RESULT_BYTES);
        Optional<byte[]> stored = store.get(task);
        if (stored.isPresent()) {
            System.out.println("result " + store.path(task) + " " + stored.get().length + " bytes (fetched by the Pi)");
            return stored.get();
        }
        LedgerRecord.GroupElected group = group(l)
                .orElseThrow(() -> new Refused("no result yet: task #" + task + " has no group on the ledger ('leo task status " + task + "')"));
        String executor = HexFormat.of().formatHex(group.executor());
        PeerList.Peer pi;
        try {
            pi = PeerList.read(peers).member(group.executor())
                    .orElseThrow(() -> new Refused("no result yet: the executor " + executor + " is not in the peer list " + peers));
        } catch (IOException e) {
            throw new Refused("no result stored in " + dir + ", and the peer list cannot be read to fetch it: " + e.getMessage());
        }
        byte[] b;
        try (FleetClient c = new FleetClient(pi, me.tlsIdentity(Instant.now()), new Refusals(new SimpleMeterRegistry()))) {
            b = OwnResults.fetch(c, task, FETCH_DEADLINE, MAX_RESULT_BYTES);
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            throw new Refused(switch (s.getCode()) {
                case NOT_FOUND -> "no result yet: the executor's Pi " + executor + " has none for task #" + task + " (" + s.getDescription() + ")";
                case PERMISSION_DENIED -> "the executor's Pi " + executor + " refused: " + s.getDescription();
                default -> "no result yet: the executor's Pi " + executor + " at " + pi.host() + ":" + pi.port() + " did not answer: " + s.getCode()
                        + (s.getDescription() == null ? "" : " " + s.getDescription());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted");
        } catch (IllegalStateException e) {
            throw new Refused("the executor's Pi " + executor + " sent no result: " + e.getMessage());
        }
        store.put(task, b);
        System.out.println("result " + store.path(task) + " " + b.length + " bytes (fetched now from executor Pi " + executor + ")");
        return b;
    }

    /** The task's group, read from its entry on. */
    private Optional<LedgerRecord.GroupElected> group(Ledger l) {
        for (long from = task + 1; ; ) {
            List<LedgerEntry> page = l.entries(from, TaskCommand.Status.PAGE);
            for (LedgerEntry e : page) {
                if (e.record() instanceof LedgerRecord.GroupElected g && g.taskSeq() == task) {
                    return Optional.of(g);
                }
            }
            if (page.size() < TaskCommand.Status.PAGE) {
                return Optional.empty();
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
    }

    /** The agent certificate the capsule names among those this Pi released the task's keys to (else the first, which fails the check). */
    private X509Certificate agent(Path dir, ResultCapsule capsule) throws Refused, IOException {
        List<X509Certificate> released = OwnResults.agents(dir, task);
        if (released.isEmpty()) {
            throw new Refused("check agent failed (agent-certificate-mismatch): this Pi released no key of task #" + task + " to an agent (no "
                    + OwnResults.agentsFile(dir, task) + "): the result's signer cannot be checked");
        }
        for (X509Certificate c : released) {
            try {
                if (MessageDigest.isEqual(ContentAddress.sha256().digest(c.getEncoded()), capsule.agentCertificateSha256())) {
                    return c;
                }
            } catch (CertificateEncodingException e) {
                // not this one
            }
        }
        return released.get(0);
    }

    /** The exception's sentence without its code (which is said apart). */
    private static String detail(ResultCapsuleException e) {
        String m = e.getMessage();
        return m.startsWith(e.code() + ": ") ? m.substring(e.code().length() + 2) : m;
    }

    /** The checks, one line each, then the plaintext; a Refused naming the check that failed. */
    private byte[] open(ResultCapsule capsule, X509Certificate agent, byte[] recipient, Tpm t) throws Refused, IOException {
        HexFormat hex = HexFormat.of();
        List<String> passed = List.of(
                "check task ok: the result of task #" + task,
                "check agent ok: signed by agent certificate " + hex.formatHex(capsule.agentCertificateSha256()) + ", which this Pi released "
                        + "the task's keys to",
                "check recipient ok: sealed to this Pi's TPM wrap key (SHA-256 of its SubjectPublicKeyInfo "
                        + ContentAddress.of(recipient).hex() + ")",
                "check payload ok: the ciphertext is the one the agent signed",
                "check open ok: the TPM unwrapped the key; " + capsule.plaintextSize() + " bytes decrypted with the digest the agent signed");
        try {
            byte[] p = ResultOpener.open(capsule, task, ResultCapsule.Part.RESULT, agent, recipient, t::unwrap);
            passed.forEach(System.out::println);
            return p;
        } catch (ResultCapsuleException e) {
            int failed = switch (e.code()) {
                case "wrong-task" -> 0;
                case "agent-certificate-mismatch", "bad-signature" -> 1;
                case "wrong-recipient" -> 2;
                case "payload-digest-mismatch" -> 3;
                default -> 4;
            };
            passed.subList(0, failed).forEach(System.out::println);
            String name = passed.get(failed).substring("check ".length(), passed.get(failed).indexOf(' ', "check ".length()));
            throw new Refused("check " + name + " failed (" + e.code() + "): " + detail(e));
        }
    }
}
