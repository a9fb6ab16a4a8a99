package org.leo.appliance.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.leo.consensus.capsule.FileCapsuleStore;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.protocol.capsule.Capsule;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.DurableFiles;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.Terms;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo capsule seal|open|inspect}: digital capsules, the data, code and results of trusted tasks (docs/capsules.md). */
@Command(name = "capsule",
        mixinStandardHelpOptions = true,
        subcommands = {CapsuleCommand.Seal.class, CapsuleCommand.Open.class, CapsuleCommand.Inspect.class},
        description = {
            "Digital capsules (docs/capsules.md): a public header signed by its owner (the Pi's member key) and an AES-256-GCM "
                + "payload. The header names the owner, the content address (SHA-256) of the encrypted payload, the SHA-256 and "
                + "size of the plaintext, the environment whoever processes it must provide (a Docker image by digest, no "
                + "network, clean-up, the least credit of executor and monitors) and a price or budget. Anyone can inspect a "
                + "capsule and check its signature; only the holder of its key can open it."},
        footerHeading = "%nSee also:%n",
        footer = {"  docs/capsules.md    the format byte by byte, what each check proves, the store, what is not built yet"})
public class CapsuleCommand {
    /** The mode of a key file and of an opened plaintext: the owner's eyes only. */
    static final java.util.Set<java.nio.file.attribute.PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");

    /** The capsule open and inspect read ({@code --in}), and how large it may be. */
    static class CapsuleIn {
        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--in", paramLabel = "FILE", required = true, description = "The capsule.")
        Path in;

        @Option(names = "--max-payload-bytes", paramLabel = "N", defaultValue = "" + CapsuleLimits.DEFAULT_MAX_PAYLOAD_BYTES,
                description = "Refuse a capsule whose payload is longer, before reading it. Default: ${DEFAULT-VALUE} (1 GiB).")
        long maxPayloadBytes;

        /** The caps; an invalid --max-payload-bytes is a usage error of the command. */
        CapsuleLimits limits() {
            try {
                return new CapsuleLimits(maxPayloadBytes);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(mixee.commandLine(), "--max-payload-bytes: " + e.getMessage());
            }
        }

        /** The capsule in --in, or why not on standard error (then null). */
        Capsule read(String command, CapsuleLimits limits) {
            return CapsuleCommand.read(command, in, limits);
        }
    }

    /** The capsule in {@code file}, or why not on standard error (then null). */
    static Capsule read(String command, Path file, CapsuleLimits limits) {
        try {
            return CapsuleFile.read(file, limits);
        } catch (CapsuleException e) {
            System.err.println(command + ": " + file + ": " + e.getMessage());
        } catch (IOException e) {
            System.err.println(command + ": cannot read " + file + ": " + e);
        }
        return null;
    }

    /** Whether {@code in} is too large to seal (then said on standard error). */
    static boolean tooLarge(String command, Path in) throws IOException {
        long max = CapsuleLimits.DEFAULT_MAX_PAYLOAD_BYTES - CapsuleOpener.TAG_BYTES;
        if (Files.size(in) > max) {
            System.err.println(command + ": " + in + " has " + Files.size(in) + " bytes; a capsule holds " + max + " at most");
            return true;
        }
        return false;
    }

    /**
     * Seals {@code plaintext} as this Pi's capsule and writes its key file (mode 0600, never over an existing file) where
     * {@code keyFileOf} says for the capsule: with {@code wrapping}, the AES key wrapped to the Pi's TPM wrap key ('wrap-key'
     * and 'wrapped-key' lines, what the key-release code reads); with null, the key in hex. The capsule, or null after
     * saying why not on standard error (the TPM cannot wrap, the wrap key file is refused). The AES key is wiped either way.
     */
    static Capsule sealWithKey(String command, MemberKeys keys, byte[] plaintext, CapsuleKind kind, Requirements requirements, Terms terms,
                               String label, KeyWrapping wrapping, java.util.function.Function<Capsule, Path> keyFileOf) throws IOException {
        return sealWithKey(command, keys, plaintext, kind, requirements, terms, label, wrapping, keyFileOf, "");
    }

    /** {@link #sealWithKey} with {@code moreLines} after the key in the key file (the offer's 'service SEQ' lines). */
    static Capsule sealWithKey(String command, MemberKeys keys, byte[] plaintext, CapsuleKind kind, Requirements requirements, Terms terms,
                               String label, KeyWrapping wrapping, java.util.function.Function<Capsule, Path> keyFileOf, String moreLines)
            throws IOException {
        CapsuleSealer.Sealed sealed = new CapsuleSealer(keys.capsuleOwner(), new SecureRandom(), Clock.systemUTC())
                .seal(plaintext, kind, requirements, terms, label);
        byte[] key = sealed.aesKey();
        try {
            String keyText;
            if (wrapping != null) {
                org.leo.protocol.tpm.WrapKey w = wrapping.wrapKey(command);
                if (w == null) {
                    return null;
                }
                keyText = "wrap-key " + w.fingerprint() + "\nwrapped-key " + HexFormat.of().formatHex(w.wrap(key)) + "\n";
            } else {
                keyText = HexFormat.of().formatHex(key) + "\n";
            }
            keyText += moreLines;
            DurableFiles.create(keyFileOf.apply(sealed.capsule()), SECRET, List.of(ByteBuffer.wrap(keyText.getBytes(StandardCharsets.US_ASCII))));
            return sealed.capsule();
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
            sealed.wipe();
        }
    }

    /**
     * Seals {@code in} for a service or a task ({@code leo service publish}, {@code leo task submit}): the capsule into this
     * Pi's store (DATA-DIR/capsules), its key file into DATA-DIR/capsule-keys/CAPSULE-ID.key, where the key-release code
     * reads the keys this Pi may release. The capsule's id, or null after saying why not on standard error.
     */
    static org.leo.protocol.capsule.ContentAddress sealIntoStore(String command, MemberKeys keys, Path dataDir, Path in, CapsuleKind kind,
                                                                 Requirements requirements, Terms terms, String label, KeyWrapping wrapping)
            throws IOException {
        return sealIntoStore(command, keys, dataDir, in, kind, requirements, terms, label, wrapping, "");
    }

    /** {@link #sealIntoStore} with {@code moreLines} in the key file after the key ({@code leo task offer}'s 'service SEQ'). */
    static org.leo.protocol.capsule.ContentAddress sealIntoStore(String command, MemberKeys keys, Path dataDir, Path in, CapsuleKind kind,
                                                                 Requirements requirements, Terms terms, String label, KeyWrapping wrapping,
                                                                 String moreLines) throws IOException {
        if (tooLarge(command, in)) {
            return null;
        }
        Path keyDir = dataDir.resolve(org.leo.consensus.fleet.FleetAppliance.CAPSULE_KEYS);
        Files.createDirectories(keyDir);
        Capsule capsule = sealWithKey(command, keys, Files.readAllBytes(in), kind, requirements, terms, label, wrapping,
                c -> keyDir.resolve(CapsuleFile.id(c).hex() + ".key"), moreLines);
        if (capsule == null) {
            return null;
        }
        FileCapsuleStore store = FileCapsuleStore.open(dataDir.resolve(FileCapsuleStore.DIR), new SimpleMeterRegistry());
        return store.put(CapsuleFile.encode(capsule));
    }

    @Command(name = "seal",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Seal a file into a capsule owned by this Pi, and write the capsule and its AES key.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Encrypts --in with a fresh AES-256 key and a fresh nonce (AES-256-GCM, the header as additional data, so the "
                    + "payload decrypts under no other header), and signs the header with this Pi's member key (Ed25519, the key "
                    + "that is its identity in the fleet, made once in DATA-DIR/consensus/member.key). Writes the capsule to --out, "
                    + "puts it into this Pi's capsule store (DATA-DIR/capsules, a file named by the capsule's SHA-256) unless "
                    + "--no-store, and prints 'capsule-id HEX' (that SHA-256), 'owner HEX', 'capsule FILE', 'key FILE' and "
                    + "'stored FILE'. The network the task may have is always none and clean-up is always required.",
                "",
                "The key file (--key-out, default OUT.key, mode 0600, never over an existing file): with --tpm, or --wrap-key "
                    + "(the same key from a file, while the Pi's service holds its TPM or on another machine), the AES key wrapped "
                    + "to the Pi's TPM ('wrap-key SHA256' and 'wrapped-key HEX' lines: RSA-OAEP to the TPM's wrap key, "
                    + "docs/key-release.md), which only that TPM unwraps, so no key is ever stored in clear; without either (a lab "
                    + "without a TPM), the AES key itself in hex: whoever has that file can open the capsule."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:sealed", "1:the input, the member key, the output or the store cannot be read or written, the key file "
                    + "exists already, or the TPM cannot wrap the key or --wrap-key is not a wrap key file", "2:invalid options (an image that is not sha256:HEX, a label that is not printable ASCII, ...)"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo capsule seal --in genome.tar --kind data --image sha256:0123...cdef --price 500 --out genome.capsule",
                "  leo capsule seal --in job.py --kind code --image sha256:0123...cdef --budget 2000 --min-executor-credit 100 \\",
                "      --min-monitor-credit 50 --label 'alignment v2' --data-dir /var/lib/leo --out job.capsule --key-out /root/job.key"})
    static class Seal implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--in", paramLabel = "FILE", required = true, description = "The plaintext to seal (at most 1 GiB less 16 bytes).")
        Path in;

        @Option(names = "--kind", paramLabel = "KIND", required = true, description = "data or code (result capsules are sealed by executors).")
        String kind;

        @Option(names = "--image", paramLabel = "sha256:HEX", required = true,
                description = "The Docker image the payload must be processed in, by digest (sha256: and 64 hex digits).")
        String image;

        @ArgGroup(exclusive = true, multiplicity = "1")
        TermsOption terms;

        static class TermsOption {
            @Option(names = "--price", paramLabel = "N", required = true, description = "What the owner asks for its data or code, in token units.")
            Long price;

            @Option(names = "--budget", paramLabel = "N", required = true, description = "What the owner offers for the task's execution, in token units.")
            Long budget;
        }

        @Option(names = "--min-executor-credit", paramLabel = "N", defaultValue = "0",
                description = "The least ledger credit of the executor. Default: ${DEFAULT-VALUE}.")
        long minExecutorCredit;

        @Option(names = "--min-monitor-credit", paramLabel = "N", defaultValue = "0",
                description = "The least ledger credit of each monitor. Default: ${DEFAULT-VALUE}.")
        long minMonitorCredit;

        @Option(names = "--label", paramLabel = "TEXT", defaultValue = "",
                description = "A label for people: at most 128 printable ASCII characters. Default: none.")
        String label;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
                description = "The appliance's data directory: the member key and the capsule store are in it. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where to write the capsule (mode 0644).")
        Path out;

        @Option(names = "--key-out", paramLabel = "FILE", description = "Where to write the AES key, hex, mode 0600 (temporary, see above). "
                + "Default: OUT.key.")
        Path keyOut;

        @ArgGroup(exclusive = true, multiplicity = "0..1")
        KeyWrapping wrapping;

        @Option(names = "--no-store", description = "Do not put the capsule into this Pi's capsule store.")
        boolean noStore;

        @Override
        public Integer call() {
            String command = "leo capsule seal";
            CapsuleKind k = switch (kind.toLowerCase(Locale.ROOT)) {
                case "data" -> CapsuleKind.DATA;
                case "code" -> CapsuleKind.CODE;
                default -> throw new ParameterException(spec.commandLine(), "--kind: data or code, got '" + VrfCommand.abbreviate(kind) + "'");
            };
            Requirements requirements;
            Terms t;
            try {
                requirements = Requirements.of(image, minExecutorCredit, minMonitorCredit);
                t = terms.price != null ? Terms.price(terms.price) : Terms.budget(terms.budget);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            String labelProblem = org.leo.protocol.capsule.CapsuleHeader.labelProblem(label);
            if (labelProblem != null) {
                throw new ParameterException(spec.commandLine(), "--" + labelProblem);
            }
            Path keyFile = keyOut != null ? keyOut : out.resolveSibling(out.getFileName() + ".key");
            try {
                if (tooLarge(command, in)) {
                    return 1;
                }
                if (Files.exists(keyFile)) {
                    System.err.println(command + ": " + keyFile + " exists: a key file is never overwritten (it may be the only key of "
                            + "another capsule)");
                    return 1;
                }
                MemberKeys keys = MemberKeyFile.loadOrCreate(dataDir.resolve(FleetOptions.DIR), new SecureRandom());
                Capsule capsule = sealWithKey(command, keys, Files.readAllBytes(in), k, requirements, t, label, wrapping, c -> keyFile);
                if (capsule == null) {
                    return 1;
                }
                CapsuleFile.write(out, capsule);
                System.out.println("capsule-id " + CapsuleFile.id(capsule).hex());
                System.out.println("owner " + keys.memberHex());
                System.out.println("capsule " + out);
                System.out.println("key " + keyFile);
                if (!noStore) {
                    FileCapsuleStore store = FileCapsuleStore.open(dataDir.resolve(FileCapsuleStore.DIR), new SimpleMeterRegistry());
                    System.out.println("stored " + store.file(store.put(CapsuleFile.encode(capsule))));
                }
                if (wrapping == null) {
                    System.err.println(command + ": the AES key is in " + keyFile + " in clear (mode 0600; give --tpm or --wrap-key to have "
                            + "it wrapped): keep it safe, or the capsule cannot be opened");
                }
                return 0;
            } catch (FileAlreadyExistsException e) {
                System.err.println(command + ": " + keyFile + " exists: a key file is never overwritten");
                return 1;
            } catch (IOException e) {
                System.err.println(command + ": " + e);
                return 1;
            }
        }
    }

    @Command(name = "open",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Check a capsule and decrypt it with its key.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the capsule (its lengths checked against the caps before anything is read), then checks in order: the "
                    + "owner's signature over the header; the payload is the plaintext size plus the 16-byte tag long; the payload's "
                    + "SHA-256 is the header's content address; AES-256-GCM opens it under the key with the header as additional "
                    + "data; the plaintext's SHA-256 is the header's. Only then is --out written (mode 0600, replaced whole) and "
                    + "'opened FILE N bytes sha256 HEX' printed. Any failure writes nothing and prints 'CODE: sentence (detail)' on "
                    + "standard error, CODE one of not-a-capsule, truncated, trailing-bytes, header-too-large, payload-too-large, "
                    + "malformed-header, unsupported-version, not-canonical, bad-signature, payload-size-mismatch, "
                    + "payload-digest-mismatch, bad-key, decryption-failed, plaintext-digest-mismatch.",
                "",
                "The key file is what 'leo capsule seal' wrote: the key wrapped by this Pi's TPM ('wrapped-key HEX', opened with "
                    + "--tpm, in the TPM), or, from a seal without --tpm, the key itself (64 hex digits)."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:opened", "1:refused (the reason is printed), or a file cannot be read or written", "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo capsule open --in genome.capsule --key-file genome.capsule.key --out genome.tar"})
    static class Open implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        CapsuleIn capsuleIn = new CapsuleIn();

        @Option(names = "--key-file", paramLabel = "FILE", required = true, description = "Its key file, as 'leo capsule seal' wrote it.")
        Path keyFile;

        @Option(names = "--tpm", paramLabel = "ENDPOINT", description = "The Pi's TPM, which unwraps a wrapped key (device:/dev/tpmrm0, swtpm:HOST:PORT).")
        String tpm;

        @Option(names = "--out", paramLabel = "FILE", required = true, description = "Where to write the plaintext (mode 0600).")
        Path out;

        @Override
        public Integer call() {
            String command = "leo capsule open";
            CapsuleLimits l = capsuleIn.limits();
            byte[] key;
            try {
                if (Files.size(keyFile) > 1024) {
                    System.err.println(command + ": " + keyFile + " is no key file: " + Files.size(keyFile) + " bytes");
                    return 1;
                }
                String text = Files.readString(keyFile, StandardCharsets.ISO_8859_1).strip();
                java.util.Optional<String> wrapped = text.lines().filter(x -> x.startsWith("wrapped-key ")).map(x -> x.substring(12).strip())
                        .findFirst();
                if (wrapped.isPresent()) {
                    if (tpm == null) {
                        System.err.println(command + ": " + keyFile + " holds a key wrapped by a TPM: give --tpm (the TPM of the Pi that sealed it)");
                        return 1;
                    }
                    try (org.leo.protocol.tpm.Tpm piTpm = org.leo.protocol.tpm.Tpm.open(org.leo.protocol.tpm.TpmEndpoint.parse(tpm))) {
                        text = HexFormat.of().formatHex(piTpm.unwrap(HexFormat.of().parseHex(wrapped.get())));
                    } catch (org.leo.protocol.tpm.TpmException | IllegalArgumentException e) {
                        System.err.println(command + ": the TPM " + tpm + " cannot unwrap the key in " + keyFile + ": " + e.getMessage());
                        return 1;
                    }
                }
                if (text.length() % 2 != 0 || !text.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                    System.err.println(command + ": " + keyFile + " is no key file: expected " + 2 * CapsuleOpener.KEY_BYTES + " hex digits");
                    return 1;
                }
                key = HexFormat.of().parseHex(text);
            } catch (IOException e) {
                System.err.println(command + ": cannot read " + keyFile + ": " + e);
                return 1;
            }
            Capsule capsule = capsuleIn.read(command, l);
            if (capsule == null) {
                return 1;
            }
            byte[] plaintext;
            try {
                plaintext = CapsuleOpener.open(capsule, key);
            } catch (CapsuleException e) {
                System.err.println(command + ": " + capsuleIn.in + ": " + e.getMessage());
                return 1;
            } finally {
                java.util.Arrays.fill(key, (byte) 0);
            }
            try {
                DurableFiles.write(out, SECRET, List.of(ByteBuffer.wrap(plaintext)));
            } catch (IOException e) {
                System.err.println(command + ": cannot write " + out + ": " + e);
                return 1;
            }
            System.out.println("opened " + out + " " + plaintext.length + " bytes sha256 " + HexFormat.of().formatHex(capsule.header().plaintextSha256()));
            return 0;
        }
    }

    @Command(name = "inspect",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print a capsule's header and check what can be checked without its key.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Prints one 'NAME VALUE' line per header field: capsule-id (the SHA-256 of the file: its address in a capsule "
                    + "store), version, owner, kind, payload-sha256, payload-size, plaintext-sha256, plaintext-size, nonce, image, "
                    + "network, cleanup-required, min-executor-credit, min-monitor-credit, price or budget, created, label (quoted), "
                    + "signature; then 'signature-check valid' or 'signature-check invalid CODE: sentence', and 'payload-check "
                    + "valid' or 'payload-check invalid CODE: sentence (detail)' (its length and its SHA-256 against the header). "
                    + "Never needs the key: whether the payload decrypts is for 'leo capsule open'. Every field but capsule-id, the "
                    + "checks and payload-size is the owner's claim, and only once signature-check is valid.",
                "",
                "With --json: one object of the same names and values (numbers and booleans as such, the label unquoted)."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed, and both checks are valid", "1:a check is invalid (the fields are printed all the same), or the "
                    + "file is not a well-formed capsule (the reason is printed)", "2:invalid options"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo capsule inspect --in genome.capsule",
                "  leo capsule inspect --in /var/lib/leo/capsules/2dc1f2bd2e7eb5d308c1cb41507945f078df0e211b715d3e1f902ef1f75d787e"})
    static class Inspect implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        CapsuleIn capsuleIn = new CapsuleIn();

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        @Override
        public Integer call() {
            Capsule capsule = capsuleIn.read("leo capsule inspect", capsuleIn.limits());
            if (capsule == null) {
                return 1;
            }
            if (output.json) {
                Json.print(CapsuleInspection.fields(capsule));
            } else {
                CapsuleInspection.print(capsule, System.out);
            }
            return CapsuleInspection.valid(capsule) ? 0 : 1;
        }
    }
}
