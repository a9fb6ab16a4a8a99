package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskCapsuleList} and the v2 {@link ResultRecipientStatement} that carries it: fixed vectors (computed apart, with
 * Python's hashlib), so the Pi that signs and the agent that checks cannot drift apart.
 */
class TaskCapsuleListTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] ONE = filled(1);
    static final byte[] TWO = filled(2);

    @Test
    void theDigestOfAFixedListIsTheVector() {
        assertThat(HEX.formatHex(TaskCapsuleList.digest(List.of(ONE, TWO))))
                .isEqualTo("329859a8d37888f5da0119376da72efa96bf367f5eed31bf6ddbb0bad3ff6e6f");
        assertThat(HEX.formatHex(TaskCapsuleList.digest(List.of()))).as("SHA-256 of a zero count")
                .isEqualTo("df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119");
    }

    @Test
    void anAddedLeftOutOrMovedCapsuleChangesTheDigest() {
        byte[] list = TaskCapsuleList.digest(List.of(ONE, TWO));
        assertThat(TaskCapsuleList.digest(List.of(TWO, ONE))).as("moved").isNotEqualTo(list);
        assertThat(TaskCapsuleList.digest(List.of(ONE))).as("left out").isNotEqualTo(list);
        assertThat(TaskCapsuleList.digest(List.of(ONE, TWO, filled(3)))).as("added").isNotEqualTo(list);
        assertThat(TaskCapsuleList.digest(List.of(ONE, TWO, TWO))).as("named twice").isNotEqualTo(list);
    }

    @Test
    void anAddressOfAnotherLengthIsRefused() {
        assertThatThrownBy(() -> TaskCapsuleList.digest(List.of(ONE, new byte[31]))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a capsule address is 31 bytes, expected 32");
    }

    @Test
    void theStatementIsDomainSeqKeyAndListInThatOrder() {
        byte[] m = ResultRecipientStatement.signedBytes(7, new byte[] {1}, TaskCapsuleList.digest(List.of(ONE, TWO)));
        assertThat(HEX.formatHex(m)).isEqualTo("6c656f2d726573756c742d6b65792d7632000000000000000007"
                + "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a"
                + "329859a8d37888f5da0119376da72efa96bf367f5eed31bf6ddbb0bad3ff6e6f");
        assertThatThrownBy(() -> ResultRecipientStatement.signedBytes(7, new byte[] {1}, new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the capsule list digest is 31 bytes, expected 32");
    }

    private static byte[] filled(int b) {
        byte[] a = new byte[32];
        Arrays.fill(a, (byte) b);
        return a;
    }
}
