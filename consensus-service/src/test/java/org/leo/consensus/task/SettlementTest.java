package org.leo.consensus.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The payment split of a settled task: the original design's 10 = 1 burned + 3 author + 3 executor + 3 monitors, in integers. */
class SettlementTest {
    static byte[] key(int b) {
        byte[] k = new byte[32];
        k[0] = (byte) b;
        return k;
    }

    static String hex(int b) {
        return HexFormat.of().formatHex(key(b));
    }

    static final byte[] AUTHOR = key(0xa0);
    static final byte[] EXECUTOR = key(0xe0);

    @Test
    void theOriginalDesignsTenUnits() {
        Settlement.Split s = Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(key(1)), Set.of());
        assertThat(s.burned()).isEqualTo(1);
        assertThat(s.paid()).containsExactly(Map.entry(hex(0xa0), 3L), Map.entry(hex(0xe0), 3L), Map.entry(hex(1), 3L));
    }

    @Test
    void remaindersGoToTheExecutorThenToTheLowestMonitorKeys() {
        // rest 6, pool 3 among 2 monitors: 2 to the lower key, 1 to the other; given in any order
        Settlement.Split two = Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(key(9), key(2)), Set.of());
        assertThat(two.paid()).containsEntry(hex(2), 2L).containsEntry(hex(9), 1L).containsEntry(hex(0xe0), 3L);
        // rest 7: the executor gets the odd unit (4), the pool of 3 goes 1 each
        Settlement.Split odd = Settlement.split(11, 3, AUTHOR, EXECUTOR, List.of(key(1), key(2), key(3)), Set.of());
        assertThat(odd.paid()).containsEntry(hex(0xe0), 4L).containsEntry(hex(1), 1L).containsEntry(hex(2), 1L).containsEntry(hex(3), 1L);
        // 100 paid, price 30: burn 10, rest 60, executor 30, pool 30 among 4: 8, 8, 7, 7
        Settlement.Split four = Settlement.split(100, 30, AUTHOR, EXECUTOR, List.of(key(4), key(3), key(2), key(1)), Set.of());
        assertThat(four.burned()).isEqualTo(10);
        assertThat(four.paid()).containsEntry(hex(1), 8L).containsEntry(hex(2), 8L).containsEntry(hex(3), 7L).containsEntry(hex(4), 7L)
                .containsEntry(hex(0xe0), 30L).containsEntry(hex(0xa0), 30L);
    }

    @Test
    void aPenalisedPartysShareIsBurnedNotGivenToTheOthers() {
        Settlement.Split s = Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(key(1), key(2)), Set.of(hex(1)));
        assertThat(s.paid()).doesNotContainKey(hex(1)).containsEntry(hex(2), 1L).containsEntry(hex(0xe0), 3L);
        assertThat(s.burned()).isEqualTo(1 + 2);
        Settlement.Split tampering = Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(key(1)), Set.of(hex(0xe0)));
        assertThat(tampering.paid()).doesNotContainKey(hex(0xe0));
        assertThat(tampering.burned()).isEqualTo(4);
    }

    @Test
    void theSharesAlwaysAddUpToThePayment() {
        Random r = new Random(1307);
        for (int i = 0; i < 10_000; i++) {
            long price = r.nextInt(1000);
            long payment = price + Settlement.burn(price * 2 + 10) + r.nextInt(100_000);
            if (Settlement.paymentProblem(payment, price) != null) {
                continue;
            }
            List<byte[]> monitors = new ArrayList<>();
            int m = 1 + r.nextInt(20);
            for (int j = 0; j < m; j++) {
                monitors.add(key(j + 1));
            }
            Settlement.Split s = Settlement.split(payment, price, AUTHOR, EXECUTOR, monitors, r.nextBoolean() ? Set.of() : Set.of(hex(1)));
            assertThat(s.total()).isEqualTo(payment);
            long min = s.paid().entrySet().stream().filter(e -> !e.getKey().equals(hex(0xa0)) && !e.getKey().equals(hex(0xe0)))
                    .mapToLong(Map.Entry::getValue).min().orElse(0);
            long max = s.paid().entrySet().stream().filter(e -> !e.getKey().equals(hex(0xa0)) && !e.getKey().equals(hex(0xe0)))
                    .mapToLong(Map.Entry::getValue).max().orElse(0);
            assertThat(max - min).as("monitors' shares differ by at most one unit").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void whatCannotBeSettledIsRefusedWithASentence() {
        assertThat(Settlement.paymentProblem(3, 3)).isEqualTo("a payment of 3 does not cover the burn (1) and the service's price (3)");
        assertThat(Settlement.paymentProblem(4, 3)).isNull();
        assertThatThrownBy(() -> Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(), Set.of()))
                .hasMessageContaining("a settled task has 1 to 3999 monitors");
        assertThatThrownBy(() -> Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(key(1), key(1)), Set.of()))
                .hasMessage("monitors are distinct 32-byte member keys, none the executor's");
        assertThatThrownBy(() -> Settlement.split(10, 3, AUTHOR, EXECUTOR, List.of(EXECUTOR), Set.of()))
                .hasMessage("monitors are distinct 32-byte member keys, none the executor's");
    }
}
