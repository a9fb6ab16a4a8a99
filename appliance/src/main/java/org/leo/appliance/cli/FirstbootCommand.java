package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.appliance.service.EmbeddedTpm;
import org.leo.attest.ca.ApplianceCa;
import org.leo.consensus.fleet.EnrollmentToken;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leo firstboot}: the Pi's keys, made once, and its enrollment token (docs/flashing.md "First boot"). */
@Command(name = "firstboot",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Make this Pi's keys (once) and print its enrollment token, the string an operator pastes into the fleet.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Run at the Pi's first boot (and harmlessly at every boot after). In the TPM: derives the attestation key (an ECC "
                + "P-256 primary key of the owner hierarchy) and finds the endorsement key (the first of ECC P-256, RSA 2048 and "
                + "ECC P-384 whose manufacturer certificate is in NV, else the ECC P-256 one, uncertified). Both derive from the "
                + "TPM's seeds, so the same TPM gives the same keys every time until its owner hierarchy is cleared; nothing is "
                + "stored in the TPM. On disk, made once: the member keys (DATA-DIR/consensus/member.key: Ed25519 and the VRF key, "
                + "which common TPM 2.0 chips cannot hold) and the appliance CA (DATA-DIR/attest/ca).",
            "",
            "Prints the enrollment token on standard output: 'leo1-' and 213 base32 characters holding the member key, the "
                + "SHA-256 of the attestation key, the endorsement key's type and SHA-256, the SHA-256 of the appliance CA, and a "
                + "4-byte check that refuses a mistyped token. 'leo fleet peer --token' makes this Pi's line of the fleet's peer "
                + "list from it. The first run keeps the token in DATA-DIR/" + FirstbootCommand.TOKEN_FILE + "; a later run that "
                + "finds other keys (a cleared TPM, another TPM, a lost member key) says which changed and exits 1 instead of "
                + "printing a token the fleet does not know.",
            "",
            "With --json: {token, member, akSha256, ekType, ekSha256, ekCertified, caSha256, tpm, tokenFile, firstRun}."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the token was printed (the same as at first boot)",
            "1:no TPM, the TPM or a key file failed, or the keys differ from the token made at first boot (the message says which)",
            "2:invalid options"},
        footerHeading = "%nExamples:%n",
        footer = {"  leo firstboot                                   (the Pi: /dev/tpmrm0)",
            "  leo firstboot --data-dir /var/lib/leo --tpm swtpm:127.0.0.1:2321",
            "  leo fleet peer --token leo1-... --address pi7.lab:7450     (the fleet's side)"})
public class FirstbootCommand implements Callable<Integer> {
    static final String TOKEN_FILE = "enrollment-token";

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
            description = "The appliance's data directory (as for leo serve). Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--tpm", paramLabel = "ENDPOINT",
            description = "The Pi's TPM: device:/dev/tpmrm0, or swtpm:HOST:PORT. Default: /dev/tpmrm0 if there is one, else a "
                    + "swtpm this command starts over DATA-DIR/swtpm and stops again, as leo serve does (development only).")
    String tpm;

    @Mixin
    JsonOption output = new JsonOption();

    /** The --json document. */
    record Shown(String token, String member, String akSha256, String ekType, String ekSha256, boolean ekCertified, String caSha256,
                 String tpm, String tokenFile, boolean firstRun) { }

    @Override
    public Integer call() throws Exception {
        EmbeddedTpm started = null;
        TpmEndpoint endpoint;
        try {
            if (tpm != null) {
                endpoint = TpmEndpoint.parse(tpm);
            } else {
                EmbeddedTpm.Choice c = EmbeddedTpm.choose(dataDir);
                started = c.started().orElse(null);
                if (c.endpoint().isEmpty()) {
                    System.err.println("leo firstboot: no TPM: " + c.banner());
                    return 1;
                }
                endpoint = TpmEndpoint.parse(c.endpoint().get());
            }
        } catch (IllegalArgumentException e) {
            System.err.println("leo firstboot: --tpm: " + e.getMessage());
            return 2;
        }
        try (EmbeddedTpm stop = started; Tpm t = Tpm.open(endpoint)) {
            HexFormat hex = HexFormat.of();
            byte[] ak = hex.parseHex(t.attestationKey().fingerprint());
            EnrollmentToken.Endorsement ek = EnrollmentToken.endorsementOf(t);
            Path keyDir = dataDir.resolve(FleetOptions.DIR);
            boolean newMember = !Files.exists(keyDir.resolve(MemberKeyFile.NAME));
            MemberKeys keys = MemberKeyFile.loadOrCreate(keyDir, new SecureRandom());
            ApplianceCa ca = ApplianceCa.loadOrCreate(AttestOptions.caDir(dataDir), Clock.systemUTC());
            EnrollmentToken token = new EnrollmentToken(keys.member(), ak, ek.type(), ek.sha256(), hex.parseHex(ca.fingerprint()));
            Path file = dataDir.resolve(TOKEN_FILE);
            boolean firstRun = !Files.exists(file);
            if (!firstRun) {
                List<String> changed = changes(file, token);
                if (!changed.isEmpty()) {
                    System.err.println("leo firstboot: this Pi's keys are not those of the token it printed at first boot (" + file + "): "
                            + String.join("; ", changed) + ". The fleet knows the old token: enroll the Pi anew (remove " + file
                            + " and paste the new token into the fleet).");
                    return 1;
                }
            } else {
                writeAtomically(file, token.encode() + "\n");
            }
            if (output.json) {
                Json.print(new Shown(token.encode(), token.memberHex(), hex.formatHex(ak), ek.type().name(), hex.formatHex(ek.sha256()),
                        ek.certified(), ca.fingerprint(), t.describe(), file.toString(), firstRun));
                return 0;
            }
            System.err.println("leo firstboot: TPM " + t.describe() + ": attestation key sha256 " + hex.formatHex(ak) + "; " + ek.type()
                    + " sha256 " + hex.formatHex(ek.sha256()) + (ek.certified() ? " (manufacturer certificate in NV)" : " (no manufacturer certificate)"));
            System.err.println("leo firstboot: member key " + token.memberHex() + " (" + keyDir.resolve(MemberKeyFile.NAME)
                    + (newMember ? ", made now" : "") + "); appliance CA sha256 " + ca.fingerprint());
            System.err.println("leo firstboot: " + (firstRun ? "made at this first boot, kept in " : "the same as at first boot, kept in ") + file
                    + "; paste it into the fleet: leo fleet peer --token TOKEN --address HOST:PORT");
            System.out.println(token.encode());
            return 0;
        }
    }

    /** What differs between the token kept in {@code file} and {@code now}, in words; empty if nothing. */
    static List<String> changes(Path file, EnrollmentToken now) throws IOException {
        EnrollmentToken then;
        try {
            then = EnrollmentToken.decode(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return List.of(file + " does not hold a token (" + e.getMessage() + ")");
        }
        List<String> changed = new ArrayList<>();
        if (!Arrays.equals(then.member(), now.member())) {
            changed.add("the member key is another (consensus/member.key was made again)");
        }
        if (!Arrays.equals(then.akSha256(), now.akSha256())) {
            changed.add("the TPM's attestation key is another (its owner hierarchy was cleared, or this is another TPM)");
        }
        if (then.ekType() != now.ekType() || !Arrays.equals(then.ekSha256(), now.ekSha256())) {
            changed.add("the TPM's endorsement key is another (another TPM, or its certificate was added or removed)");
        }
        if (!Arrays.equals(then.caSha256(), now.caSha256())) {
            changed.add("the appliance CA is another (attest/ca was made again)");
        }
        return changed;
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
