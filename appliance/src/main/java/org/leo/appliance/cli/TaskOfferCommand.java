package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.capsule.CapsuleHeader;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.Terms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code leo task offer}: a member's data for other members' tasks of one service (docs/tasks.md "Tasks with data of
 * several owners"). The capsule's signed header (the service's image, the least credits) and the key file's
 * {@code service SEQ} line are the owner's consent, which its Pi checks at every key release.
 */
@Command(name = "offer",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Offer data for other members' tasks of a service: seal it for the service's image and keep its key for release.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Reads the service (the ServicePublished entry --service) for its image and checks that this Pi is a member. Seals "
                + "each --data file into a data capsule owned by this Pi's member key, for the service's image with the least "
                + "credits given (as 'leo capsule seal --kind data --price PRICE'), puts it into this Pi's capsule store "
                + "(DATA-DIR/capsules, which other Pis fetch it from) and its key file into DATA-DIR/capsule-keys/CAPSULE-ID.key "
                + "with a 'service SEQ' line: the offer. Prints 'service SEQ' and a 'data-capsule HEX' line for each file: "
                + "another member names it in its task with 'leo task submit --data-capsule HEX'.",
            "",
            "This Pi releases the key of an offered capsule to the executor of another member's task only if the task is of "
                + "the service offered for, its service runs the image the header names, and it asks at least the header's least "
                + "credits (refused otherwise: NOT_OFFERED, CAPSULE_IMAGE, CAPSULE_CREDIT); the task's result is sealed to this "
                + "Pi's TPM too, and its 'leo pxe serve --fleet' fetches it ('leo task result' opens it). Nothing is appended to "
                + "the ledger; the offer is withdrawn by deleting the key file. With --tpm or --wrap-key each AES key is wrapped "
                + "to the Pi's TPM; without, it is in clear and never released."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:offered",
            "1:refused: not a service, not a member, the TPM cannot wrap a key or --wrap-key is not a wrap key file, or a file cannot "
                + "be read or written",
            "2:invalid options, or the ledger cannot be opened"},
        footerHeading = "%nExamples:%n",
        footer = {"  leo task offer --service 12 --data names-b --wrap-key /var/lib/leo/capsule-wrap-key.pub",
            "  leo task offer --service 12 --data names-b --min-executor-credit 100 --price 0 --tpm device:/dev/tpmrm0"})
final class TaskOfferCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    LedgerCommand.Location location;

    @Option(names = "--service", paramLabel = "SEQ", required = true, description = "The service: the seq of its ServicePublished entry.")
    long service;

    @Option(names = "--data", paramLabel = "FILE", required = true, arity = "1..*",
            description = "The data files, each sealed into a data capsule (1..16). The file's name is the capsule's label, its name "
                    + "under /work in the task when it is a plain file name.")
    List<Path> data;

    @Option(names = "--price", paramLabel = "N", defaultValue = "0",
            description = "What the owner asks for its data, in token units, in the header (not paid: the task owner's payment "
                    + "is split as for any task). Default: ${DEFAULT-VALUE}.")
    long price;

    @picocli.CommandLine.Mixin
    TaskCommand.LeastCredits credits;

    @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
    KeyWrapping wrapping;

    @Override
    public Integer call() {
        String command = "leo task offer";
        if (data.size() > LedgerRecord.MAX_TASK_CAPSULES || price < 0 || credits.executor < 0 || credits.monitor < 0) {
            throw new ParameterException(spec.commandLine(), "1.." + LedgerRecord.MAX_TASK_CAPSULES + " --data files, --price and credits "
                    + "at least 0");
        }
        Optional<Ledger> opened = location.open(command);
        if (opened.isEmpty()) {
            return 2;
        }
        Path dataDir = location.dataDir;
        try (Ledger l = opened.get()) {
            Optional<LedgerRecord.ServicePublished> s = TaskCommand.service(command, l, service, location);
            if (s.isEmpty()) {
                return 1;
            }
            Optional<MemberKeys> keys = ServiceCommand.member(command, dataDir, l);
            if (keys.isEmpty()) {
                return 1;
            }
            Requirements requirements = Requirements.of("sha256:" + HexFormat.of().formatHex(s.get().imageSha256()), credits.executor,
                    credits.monitor);
            System.out.println("service " + service);
            for (Path f : data) {
                String label = f.getFileName().toString();
                ContentAddress c = CapsuleCommand.sealIntoStore(command, keys.get(), dataDir, f, CapsuleKind.DATA, requirements,
                        Terms.price(price), CapsuleHeader.labelProblem(label) == null ? label : "", wrapping, "service " + service + "\n");
                if (c == null) {
                    return 1;
                }
                System.out.println("data-capsule " + c.hex());
            }
            if (wrapping == null) {
                System.err.println(command + ": the AES keys are in clear (mode 0600): this Pi never releases them; give --tpm or "
                        + "--wrap-key to offer data for tasks");
            }
            return 0;
        } catch (IOException e) {
            System.err.println(command + ": " + e);
            return 1;
        }
    }
}
