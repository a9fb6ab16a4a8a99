package org.leo.appliance.cli;

import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;
import org.leo.consensus.sortition.SortitionConfig;
import org.leo.consensus.vrf.Ecvrf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code leo vrf sortition}: a member's draw for one round and role (with its secret key), or the
 * check anyone can run from public data ({@code --check}).
 */
@Command(name = "sortition", mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Draw a member's votes for a round, or check a member's claimed votes from public data.",
        descriptionHeading = "%nDescription:%n",
        description = {"A committee is drawn per round: alpha is the 63-byte encoding of (ledger head, HPC MAC, round, role)",
                "(docs/sortition.md); the member proves over alpha with its VRF key, and the binomial sortition of its",
                "credit against the fleet's total credit, with the expected committee size, turns the VRF output into",
                "its vote count (0: not on the committee).",
                "",
                "With --secret-key, prints the member's draw: 'alpha HEX', 'proof HEX', 'beta HEX' and 'votes N'.",
                "With --check, verifies --proof under --public-key over the same alpha and recomputes the votes:",
                "prints 'valid votes N beta HEX' when --votes is what the proof gives, or 'invalid CODE: sentence'",
                "(a VRF check that failed, or votes-mismatch)."},
        usageHelpWidth = VrfCommand.HELP_WIDTH,
        optionListHeading = "%nOptions:%n",
        footerHeading = "%nExit status:%n",
        footer = {"  0  drawn; or, with --check, valid", "  1  with --check: invalid", "  2  bad options", "",
                "Examples:",
                "  leo vrf sortition --secret-key " + VrfCommand.EXAMPLE_SK + " \\",
                "      --ledger-head 00..(64 hex digits) --mac 52:54:00:77:00:10 --round 7 --role verifier \\",
                "      --credit 100 --total-credit 1000",
                "  leo vrf sortition --check --public-key " + VrfCommand.EXAMPLE_PK + " --proof HEX --votes 6 \\",
                "      --ledger-head HEX --mac 52:54:00:77:00:10 --round 7 --role verifier --credit 100 --total-credit 1000"})
public class VrfSortitionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--secret-key", paramLabel = "HEX", description = "Draw with this 32-byte VRF secret key.")
    String secretKey;

    @Option(names = "--check", description = "Check a claimed draw instead (needs --public-key, --proof and --votes).")
    boolean check;

    @Option(names = "--public-key", paramLabel = "HEX", description = "With --check: the member's 32-byte VRF public key.")
    String publicKey;

    @Option(names = "--proof", paramLabel = "HEX", description = "With --check: the member's 80-byte proof.")
    String proof;

    @Option(names = "--votes", paramLabel = "N", description = "With --check: the votes the member claims.")
    Long votes;

    @Option(names = "--ledger-head", paramLabel = "HEX", required = true, description = "The 32-byte ledger head the round is drawn from.")
    String ledgerHead;

    @Option(names = "--mac", paramLabel = "MAC", required = true, description = "The HPC the round attests.")
    String hpc;

    @Option(names = "--round", paramLabel = "N", required = true, description = "The round number (unsigned 64-bit).")
    String round;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "verifier",
            description = "verifier, executor or monitor. Default: ${DEFAULT-VALUE}.")
    String role;

    @Option(names = "--credit", paramLabel = "N", required = true, description = "The member's credit at the ledger head.")
    long credit;

    @Option(names = "--total-credit", paramLabel = "N", required = true, description = "The fleet's total credit at the ledger head.")
    long totalCredit;

    @Option(names = "--expected-size", paramLabel = "N", defaultValue = "" + SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE,
            description = "The expected committee size (votes). Default: ${DEFAULT-VALUE}.")
    int expectedSize;

    @Override
    public Integer call() {
        Alpha alpha = alpha();
        if (check == (secretKey != null)) {
            throw new ParameterException(spec.commandLine(), "give either --secret-key (draw) or --check (verify a draw)");
        }
        try {
            if (!check) {
                MemberSortition.Draw d = MemberSortition.draw(VrfCommand.hex(spec, "--secret-key", secretKey, Ecvrf.SECRET_KEY_BYTES),
                        alpha, credit, totalCredit, expectedSize);
                HexFormat hex = HexFormat.of();
                System.out.println("alpha " + alpha.toHex());
                System.out.println("proof " + hex.formatHex(d.proof()));
                System.out.println("beta " + hex.formatHex(d.beta()));
                System.out.println("votes " + d.votes());
                return 0;
            }
            if (publicKey == null || proof == null || votes == null) {
                throw new ParameterException(spec.commandLine(), "--check needs --public-key, --proof and --votes");
            }
            MemberSortition.Checked c = MemberSortition.check(VrfCommand.hex(spec, "--public-key", publicKey, Ecvrf.PUBLIC_KEY_BYTES),
                    VrfCommand.hex(spec, "--proof", proof, Ecvrf.PROOF_BYTES), alpha, credit, totalCredit, expectedSize, votes);
            System.out.println(c.toLine());
            return c instanceof MemberSortition.Checked.Valid ? 0 : 1;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Alpha alpha() {
        try {
            return new Alpha(VrfCommand.hex(spec, "--ledger-head", ledgerHead, Alpha.LEDGER_HEAD_BYTES), MacAddress.parse(hpc),
                    Long.parseUnsignedLong(round), Role.valueOf(role.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--mac, --round or --role: " + e.getMessage());
        }
    }
}
