package org.leo.consensus.sortition;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict;

/**
 * Prints the tables of docs/committee-risk.md (the model is in {@link CommitteeRisk}): one table per
 * fleet size with every member holding {@value #CREDIT_PER_MEMBER} credit units, one for an
 * unequal split, the best fixed threshold for larger committees, and the default expected committee
 * size the rule below picks. The output is a pure
 * function of this code; {@code CommitteeRiskReportTest} checks that the doc holds it verbatim.
 * <pre>
 *   ./mvnw -B -ntp -o -q -pl consensus-service -am compile
 *   java -cp consensus-service/target/classes org.leo.consensus.sortition.CommitteeRiskReport [--update docs/committee-risk.md]
 * </pre>
 * With {@code --update FILE} the text between the markers in FILE is replaced instead of printed.
 */
public final class CommitteeRiskReport {
    static final String BEGIN = "<!-- BEGIN CommitteeRiskReport output -->";
    static final String END = "<!-- END CommitteeRiskReport output -->";
    static final long CREDIT_PER_MEMBER = 100;
    static final List<Integer> FLEETS = List.of(10, 31, 100, 300, 1000);
    /** Malicious share of the credit, in percent; with 100 units a member, N * s units exactly. */
    static final List<Integer> MALICIOUS_PERCENT = List.of(10, 20, 25, 33);
    static final List<Integer> TAUS = List.of(7, 15, 31, 63, 100);
    /** Committee sizes for the fixed-threshold table, up to Algorand's tau_step = 2000. */
    static final List<Integer> BEST_THRESHOLD_TAUS = List.of(63, 100, 300, 1000, 2000);
    /** The rule for the default: at this malicious share, in fleets of at least this many members... */
    static final int RULE_PERCENT = 20;
    static final int RULE_MIN_FLEET = 100;
    /** ...malicious votes alone reach a quorum (seated or fixed) less often than this... */
    static final BigDecimal RULE_FORGE = new BigDecimal("1e-9");
    /** ...and the seated committee is over a third malicious less often than this. */
    static final BigDecimal RULE_OVER_THIRD = new BigDecimal("1e-2");
    private static final BigDecimal FLOOR = new BigDecimal("1e-50");
    private static final MathContext THREE = new MathContext(3, RoundingMode.HALF_EVEN);

    private CommitteeRiskReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--update")) {
            Path doc = Path.of(args[1]);
            Files.writeString(doc, replaceBlock(Files.readString(doc, StandardCharsets.UTF_8), report()), StandardCharsets.UTF_8);
        } else if (args.length == 0) {
            System.out.print(report());
        } else {
            System.err.println("usage: CommitteeRiskReport [--update docs/committee-risk.md]");
            System.exit(2);
        }
    }

    /** The Markdown between the markers of docs/committee-risk.md. */
    static String report() {
        StringBuilder out = new StringBuilder();
        for (int fleet : FLEETS) {
            fleetTable(out, fleet);
        }
        unequalTable(out);
        bestThresholdTable(out);
        asymmetricTable(out);
        int chosen = ruleDefault();
        out.append("### Default\n\n")
                .append("Rule: the smallest tau of ").append(TAUS).append(" for which, at ").append(RULE_PERCENT)
                .append("% malicious credit and in every fleet of ").append(RULE_MIN_FLEET)
                .append(" members or more, (b) and P(M >= Q) are below ").append(text(RULE_FORGE))
                .append(" and (a) is below ").append(text(RULE_OVER_THIRD)).append(": **tau = ").append(chosen)
                .append("** (`SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE` = ")
                .append(SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE).append(").\n");
        return out.toString();
    }

    /** The tau the rule picks, or -1 if none of {@link #TAUS} meets it. */
    static int ruleDefault() {
        for (int tau : TAUS) {
            boolean ok = true;
            for (int fleet : FLEETS) {
                if (fleet >= RULE_MIN_FLEET) {
                    CommitteeRisk r = equalFleetRisk(fleet, RULE_PERCENT, tau);
                    ok &= r.forge().compareTo(RULE_FORGE) < 0 && r.forgeAt(CommitteeRisk.fixedQuorum(tau)).compareTo(RULE_FORGE) < 0
                            && r.overThird().compareTo(RULE_OVER_THIRD) < 0;
                }
            }
            if (ok) {
                return tau;
            }
        }
        return -1;
    }

    static CommitteeRisk equalFleetRisk(int fleet, int percent, int tau) {
        long total = fleet * CREDIT_PER_MEMBER;
        long malicious = total * percent / 100;
        return new CommitteeRisk(malicious, total - malicious, tau);
    }

    private static void fleetTable(StringBuilder out, int fleet) {
        long total = fleet * CREDIT_PER_MEMBER;
        out.append("### ").append(fleet).append(" members, W = ").append(total).append("\n\n");
        header(out, "malicious credit | tau | Q | E[members seated]");
        for (int percent : MALICIOUS_PERCENT) {
            for (int tau : TAUS) {
                CommitteeRisk r = equalFleetRisk(fleet, percent, tau);
                BigDecimal seated = CommitteeRisk.expectedSeated(Map.of(CREDIT_PER_MEMBER, (long) fleet), tau);
                row(out, percent + "% | " + tauCell(tau) + " | " + CommitteeRisk.fixedQuorum(tau) + " | " + oneDecimal(seated), r, tau);
            }
        }
        out.append('\n');
    }

    /**
     * A tenth of the members hold 900 units and the rest 100 (W = 180 N). The risk columns depend only
     * on W, the malicious total and tau, so this fleet has the risks of an equal fleet of 1.8 N
     * members; what changes is how few members hold the malicious credit and how many members sit.
     */
    private static void unequalTable(StringBuilder out) {
        out.append("### Unequal credit: a tenth of the members hold 900 units, the rest 100\n\n");
        header(out, "members | W | members holding 20% (heaviest first) | tau | E[seated], equal | E[seated], unequal");
        for (int fleet : List.of(100, 1000)) {
            long heavy = fleet / 10;
            long total = heavy * 900 + (fleet - heavy) * CREDIT_PER_MEMBER;
            long malicious = total * RULE_PERCENT / 100;
            Map<Long, Long> split = new TreeMap<>(Map.of(900L, heavy, CREDIT_PER_MEMBER, fleet - heavy));
            for (int tau : TAUS) {
                CommitteeRisk r = new CommitteeRisk(malicious, total - malicious, tau);
                row(out, fleet + " | " + total + " | " + (malicious + 899) / 900 + " | " + tauCell(tau) + " | "
                        + oneDecimal(CommitteeRisk.expectedSeated(Map.of(CREDIT_PER_MEMBER, (long) fleet), tau)) + " | "
                        + oneDecimal(CommitteeRisk.expectedSeated(split, tau)), r, tau);
            }
        }
        out.append('\n');
    }

    /**
     * For a threshold Q fixed in advance, the Q that minimises the larger of equivocation
     * P(2M + H >= 2Q) and stall P(H < Q) (the first falls and the second rises with Q), 1000 members.
     */
    private static void bestThresholdTable(StringBuilder out) {
        out.append("### Fixed threshold: the best Q for each tau, 1000 members\n\n");
        table(out, "malicious credit | tau | best Q | Q / tau | P(2M + H >= 2Q) | P(H < Q)");
        for (int percent : List.of(10, RULE_PERCENT)) {
            for (int tau : BEST_THRESHOLD_TAUS) {
                CommitteeRisk r = equalFleetRisk(1000, percent, tau);
                int q = bestThreshold(r, tau);
                cells(out.append("| ").append(percent).append("% | ").append(tauCell(tau)).append(" | ").append(q).append(" | ")
                        .append(BigDecimal.valueOf(q).divide(BigDecimal.valueOf(tau), 2, RoundingMode.HALF_EVEN)),
                        List.of(r.equivocateAt(q), r.stallAt(q)));
            }
        }
        out.append('\n');
    }

    /**
     * The certificate rule Leo uses (QuorumCertificate.threshold): UNTRUSTED with F = floor(tau/3) + 1
     * votes, taking precedence; TRUSTED with Q = floor(2 tau/3) + 1 and no UNTRUSTED quorum. One round
     * never has two certificates, so what remains is what each side can make happen on its own.
     */
    private static void asymmetricTable(StringBuilder out) {
        out.append("### Leo's rule: UNTRUSTED with F, taking precedence; TRUSTED with Q\n\n");
        table(out, "members | malicious credit | tau | F | Q | forged TRUSTED: P(M >= Q) P(H < F) | false UNTRUSTED: P(M >= F)"
                + " | clean HPC stalls: P(H < Q) | tampered HPC stalls: P(H < F)");
        for (int fleet : List.of(100, 1000)) {
            for (int percent : List.of(10, RULE_PERCENT, 25)) {
                for (int tau : TAUS) {
                    CommitteeRisk r = equalFleetRisk(fleet, percent, tau);
                    int f = (int) QuorumCertificate.threshold(Verdict.Outcome.UNTRUSTED, tau);
                    int q = (int) QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, tau);
                    cells(out.append("| ").append(fleet).append(" | ").append(percent).append("% | ").append(tauCell(tau)).append(" | ")
                            .append(f).append(" | ").append(q), List.of(r.forgeAt(q).multiply(r.stallAt(f), CommitteeRisk.MC),
                            r.forgeAt(f), r.stallAt(q), r.stallAt(f)));
                }
            }
        }
        out.append('\n');
    }

    /** The smallest Q at which equivocation is no likelier than a stall, or the one below if that is better. */
    static int bestThreshold(CommitteeRisk r, int tau) {
        int lo = 1;
        int hi = 2 * tau;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r.equivocateAt(mid).compareTo(r.stallAt(mid)) <= 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        // At lo the larger is the stall; at lo - 1 it is equivocation.
        return lo > 1 && r.equivocateAt(lo - 1).compareTo(r.stallAt(lo)) < 0 ? lo - 1 : lo;
    }

    private static void header(StringBuilder out, String first) {
        table(out, first + " | (a) P(M > f(n)) | (b) P(M >= q(n)) | (c) P(n = 0) | P(M >= Q) | P(H < Q) | P(2M + H >= 2Q)");
    }

    private static void table(StringBuilder out, String cells) {
        out.append("| ").append(cells).append(" |\n|");
        for (int i = cells.split("\\|").length; i > 0; i--) {
            out.append("---|");
        }
        out.append('\n');
    }

    private static void row(StringBuilder out, String first, CommitteeRisk r, int tau) {
        int q = CommitteeRisk.fixedQuorum(tau);
        cells(out.append("| ").append(first), List.of(r.overThird(), r.forge(), r.empty(), r.forgeAt(q), r.stallAt(q), r.equivocateAt(q)));
    }

    private static void cells(StringBuilder out, List<BigDecimal> probabilities) {
        for (BigDecimal p : probabilities) {
            out.append(" | ").append(probability(p));
        }
        out.append(" |\n");
    }

    private static String tauCell(int tau) {
        return tau == SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE ? "**" + tau + "**" : String.valueOf(tau);
    }

    /** Three significant digits: 0.235 from 0.1 up, 7.84e-3 below, "< 1e-50" under the floor. */
    static String probability(BigDecimal p) {
        if (p.signum() == 0) {
            return "0";
        }
        if (p.compareTo(FLOOR) < 0) {
            return "< " + text(FLOOR);
        }
        BigDecimal r = p.round(THREE);
        if (r.compareTo(new BigDecimal("0.1")) >= 0) {
            return r.toPlainString();
        }
        int exponent = r.precision() - r.scale() - 1;
        return r.movePointRight(-exponent).setScale(2, RoundingMode.UNNECESSARY).toPlainString() + "e" + exponent;
    }

    /** 1e-9 rather than BigDecimal's 1E-9. */
    private static String text(BigDecimal v) {
        return v.toString().toLowerCase(Locale.ROOT);
    }

    private static String oneDecimal(BigDecimal v) {
        return v.setScale(1, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** {@code doc} with the text between {@link #BEGIN} and {@link #END} replaced by {@code block}. */
    static String replaceBlock(String doc, String block) {
        int[] at = markers(doc);
        return doc.substring(0, at[0]) + "\n" + block + doc.substring(at[1]);
    }

    /** The text between the markers, as {@link #report()} wrote it. */
    static String block(String doc) {
        int[] at = markers(doc);
        return doc.substring(Math.min(at[0] + 1, at[1]), at[1]);
    }

    /** Where the block starts (just after {@link #BEGIN}) and where {@link #END} starts. */
    private static int[] markers(String doc) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the document has no " + BEGIN + " ... " + END + " block");
        }
        return new int[] {begin + BEGIN.length(), end};
    }
}
