package org.leo.appliance.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.agent.task.ImageArchive;
import org.leo.agent.task.SandboxException;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.Terms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo service publish}: a service of trusted tasks, its image and code capsule, on the fleet's ledger (docs/tasks.md). */
@Command(name = "service",
        mixinStandardHelpOptions = true,
        subcommands = {ServiceCommand.Publish.class},
        description = {
            "Services of trusted tasks (docs/tasks.md): a Docker image by its id, the author's code sealed into a code capsule for "
                + "that image, and a price per use, published on the fleet's ledger as a ServicePublished entry signed by this Pi's "
                + "member key. Tasks name a service by the seq of that entry ('leo task submit --service SEQ')."},
        footerHeading = "%nSee also:%n",
        footer = {"  leo image build-service   builds a service image archive from Debian packages",
            "  leo task submit            a task for a published service",
            "  docs/tasks.md              the records, the election, the settlement"})
public class ServiceCommand {
    /** Where the executor's coordinator finds service image archives, under the data directory: images/IMAGE-ID-HEX.tar. */
    static final String IMAGES = "images";

    /** The member keys of this Pi, if it is an admitted member of {@code ledger}; else empty after saying so. */
    static Optional<MemberKeys> member(String command, Path dataDir, Ledger ledger) throws IOException {
        MemberKeys keys = MemberKeyFile.loadOrCreate(dataDir.resolve(FleetOptions.DIR), new SecureRandom());
        if (!ledger.credits().containsKey(keys.memberHex())) {
            System.err.println(command + ": this Pi (member " + keys.memberHex() + ", its key in " + dataDir.resolve(FleetOptions.DIR)
                    + ") is not a member on the ledger: it joins the fleet first (docs/consensus.md)");
            return Optional.empty();
        }
        return Optional.of(keys);
    }

    @Command(name = "publish",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Publish a service: its image archive, its code sealed into a code capsule, its price, on the ledger.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Checks --image as a 'docker save' archive (hpc-agent's ImageArchive: manifest.json naming one image, each layer "
                    + "the SHA-256 its config names, no volumes) and takes its image id, the SHA-256 of its config. Seals --code "
                    + "into a code capsule for that image (as 'leo capsule seal --kind code --price PRICE', signed by this Pi's "
                    + "member key, DATA-DIR/consensus/member.key), puts the capsule into this Pi's capsule store (DATA-DIR/capsules) "
                    + "and its key file into DATA-DIR/capsule-keys/CAPSULE-ID.key, where this Pi releases it from to the task's "
                    + "executor (docs/key-release.md). Copies the archive to DATA-DIR/images/IMAGE-ID.tar, where the executor's "
                    + "coordinator loads it from. Then appends the ServicePublished entry and prints 'service SEQ' (the service's "
                    + "id), 'image sha256:HEX' and 'code-capsule HEX'.",
                "",
                "The key file: with --tpm or --wrap-key, the AES key wrapped to the Pi's TPM (only that TPM unwraps it; the key-release "
                    + "code releases only such keys); without either (a lab without a TPM), the key in clear, mode 0600, which is never "
                    + "released. This Pi must be an admitted member of the ledger."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:published",
                "1:refused: the archive is not an image archive, this Pi is not a member, the TPM cannot wrap the key or --wrap-key is not a wrap key file, the ledger "
                    + "refuses the entry, or a file cannot be read or written",
                "2:invalid options (a name that is not 1..64 printable ASCII characters, a negative price), or the ledger cannot be "
                    + "opened"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo service publish --image grey.tar --code align.py --price 300 --name 'grey v1' --tpm device:/dev/tpmrm0",
                "  leo service publish --image grey.tar --code align.py --price 300 --name grey --data-dir /var/lib/leo \\",
                "      --evm-rpc http://10.78.0.254:8545 --evm-chain-id 31337 --evm-contract 0x5FbDB2315678afecb367f032d93F642f64180aa3 \\",
                "      --evm-key-file /etc/leo/evm.key"})
    static class Publish implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        LedgerCommand.Location location;

        @Option(names = "--image", paramLabel = "ARCHIVE", required = true,
                description = "The service's image: a 'docker save' archive (as 'leo image build-service' writes).")
        Path image;

        @Option(names = "--code", paramLabel = "FILE", required = true, description = "The service's code, sealed into its code capsule.")
        Path code;

        @Option(names = "--price", paramLabel = "N", required = true, description = "What each task pays the author, in token units.")
        long price;

        @Option(names = "--name", paramLabel = "NAME", required = true, description = "The service's name: 1..64 printable ASCII characters.")
        String name;

        @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
        KeyWrapping wrapping;

        @Override
        public Integer call() {
            String command = "leo service publish";
            if (price < 0 || name.isEmpty() || name.length() > LedgerRecord.MAX_SERVICE_NAME || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                throw new ParameterException(spec.commandLine(), "--price is at least 0 and --name 1.." + LedgerRecord.MAX_SERVICE_NAME
                        + " printable ASCII characters");
            }
            String imageId;
            try (InputStream in = Files.newInputStream(image)) {
                imageId = ImageArchive.inspect(in).imageId();
            } catch (SandboxException e) {
                System.err.println(command + ": " + image + " is not an image archive: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                System.err.println(command + ": cannot read " + image + ": " + e);
                return 1;
            }
            String imageHex = imageId.substring("sha256:".length());
            Optional<Ledger> opened = location.open(command, true);
            if (opened.isEmpty()) {
                return 2;
            }
            Path dataDir = location.dataDir;
            try (Ledger l = opened.get()) {
                Optional<MemberKeys> keys = member(command, dataDir, l);
                if (keys.isEmpty()) {
                    return 1;
                }
                ContentAddress codeCapsule = CapsuleCommand.sealIntoStore(command, keys.get(), dataDir, code, CapsuleKind.CODE,
                        Requirements.of(imageId, 0, 0), Terms.price(price), name, wrapping);
                if (codeCapsule == null) {
                    return 1;
                }
                Path images = Files.createDirectories(dataDir.resolve(IMAGES));
                Path archive = images.resolve(imageHex + ".tar");
                if (!Files.isRegularFile(archive)) {
                    Path part = Files.createTempFile(images, imageHex, ".part");
                    Files.copy(image, part, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(part, archive, StandardCopyOption.ATOMIC_MOVE);
                }
                LedgerEntry e = l.append(keys.get().signService(HexFormat.of().parseHex(imageHex), codeCapsule.bytes(), price, name));
                System.out.println("service " + e.seq());
                System.out.println("image " + imageId);
                System.out.println("code-capsule " + codeCapsule.hex());
                System.out.println("archive " + archive);
                return 0;
            } catch (IOException e) {
                System.err.println(command + ": " + e);
                return 1;
            } catch (RuntimeException e) {
                System.err.println(command + ": the ledger refuses the service: " + e.getMessage());
                return 1;
            }
        }
    }
}
