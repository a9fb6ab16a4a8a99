package org.leo.consensus.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a task's payment is split once its clean-up certificate is recorded (docs/tasks.md): the
 * original design's rule, of 10 paid 1 is burned as gas, the service's author gets the service's
 * price (3), and the rest (6) goes half to the executor and half shared equally by the monitors.
 * In integer token units, deterministically:
 * <ul>
 * <li>burn = paid / 10, rounded down (at least 1 once anything is paid);</li>
 * <li>author = the price; a payment that does not cover burn + price is refused before the task runs;</li>
 * <li>rest = paid - burn - price; the monitors' pool is rest / 2 rounded down, the executor gets the
 *     other half (so an odd unit goes to the executor, who did the work);</li>
 * <li>the pool is divided equally among the monitors; the remainder goes one unit each to the first
 *     monitors in ascending order of their member keys (unsigned bytes), so every ledger computes
 *     the same split;</li>
 * <li>a penalised party (a monitor that signed against the certificate, an executor caught
 *     tampering) gets nothing: its share is burned, not given to the others, so nobody gains by
 *     accusing another.</li>
 * </ul>
 * The shares always add up to the payment. A pure function: who is executor, monitor or penalised
 * is decided before (the election and the certificates on the ledger).
 */
public final class Settlement {
    public static final int BURN_DIVISOR = 10;
    /** As many as a recorded group has claims, less its executor. */
    public static final int MAX_MONITORS = org.leo.consensus.ledger.LedgerRecord.MAX_GROUP_CLAIMS - 1;

    /** Who gets what: the burned amount, and the token units of each member key (hex). */
    public record Split(long burned, Map<String, Long> paid) {
        public Split {
            paid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(paid));
        }

        public long total() {
            return burned + paid.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private Settlement() {
    }

    /** The gas burned of a payment: a tenth, rounded down, at least 1 unit of a non-zero payment. */
    public static long burn(long payment) {
        return payment == 0 ? 0 : Math.max(1, payment / BURN_DIVISOR);
    }

    /** Why a task paying {@code payment} for a service of price {@code price} may not be submitted, or null if it may. */
    public static String paymentProblem(long payment, long price) {
        if (payment < 0 || price < 0) {
            return "payment and price are token units, not negative (payment " + payment + ", price " + price + ")";
        }
        if (payment < burn(payment) + price) {
            return "a payment of " + payment + " does not cover the burn (" + burn(payment) + ") and the service's price (" + price + ")";
        }
        return null;
    }

    /**
     * The split of {@code payment} for a service of {@code price} by {@code author}, run by {@code executor} and watched by
     * {@code monitors} (member keys, 32 bytes each; at least one monitor, all distinct from the executor); {@code penalised}
     * members get nothing.
     */
    public static Split split(long payment, long price, byte[] author, byte[] executor, List<byte[]> monitors, Set<String> penalised) {
        String problem = paymentProblem(payment, price);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (monitors.isEmpty() || monitors.size() > MAX_MONITORS) {
            throw new IllegalArgumentException("a settled task has 1 to " + MAX_MONITORS + " monitors (they signed its clean-up certificate), got "
                    + monitors.size());
        }
        HexFormat hex = HexFormat.of();
        List<byte[]> sorted = new ArrayList<>(monitors);
        sorted.sort(Arrays::compareUnsigned);
        Set<String> distinct = new TreeSet<>();
        for (byte[] m : sorted) {
            if (m.length != 32 || !distinct.add(hex.formatHex(m)) || Arrays.equals(m, executor)) {
                throw new IllegalArgumentException("monitors are distinct 32-byte member keys, none the executor's");
            }
        }
        long burned = burn(payment);
        Map<String, Long> out = new LinkedHashMap<>();
        long rest = payment - burned - price;
        long pool = rest / 2;
        burned += give(out, hex.formatHex(author), price, penalised);
        burned += give(out, hex.formatHex(executor), rest - pool, penalised);
        long each = pool / sorted.size();
        long extra = pool % sorted.size();
        for (int i = 0; i < sorted.size(); i++) {
            burned += give(out, hex.formatHex(sorted.get(i)), each + (i < extra ? 1 : 0), penalised);
        }
        return new Split(burned, out);
    }

    /** Adds {@code amount} to {@code who}'s share, or returns it to be burned if {@code who} is penalised. */
    private static long give(Map<String, Long> out, String who, long amount, Set<String> penalised) {
        if (penalised.contains(who)) {
            return amount;
        }
        if (amount > 0) {
            out.merge(who, amount, Math::addExact);
        }
        return 0;
    }
}
