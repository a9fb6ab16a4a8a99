package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;

class AlphaTest {
    private static final byte[] HEAD = new byte[32];
    private static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");

    static {
        for (int i = 0; i < HEAD.length; i++) {
            HEAD[i] = (byte) i;
        }
    }

    /** The layout of docs/sortition.md, field by field: tag, ledger head, MAC, round (2^64 - 1), role. */
    @Test
    void layoutIsPinned() {
        Alpha alpha = new Alpha(HEAD, HPC, -1L, Role.VERIFIER);
        assertThat(alpha.toHex()).isEqualTo("6c656f2d736f72746974696f6e2d7631"
                + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                + "525400770010"
                + "ffffffffffffffff"
                + "01");
        assertThat(alpha.encode()).hasSize(Alpha.LENGTH).hasSize(63);
        assertThat(alpha.roundText()).isEqualTo("18446744073709551615");
        assertThat(new Alpha(HEAD, HPC, 1, Role.EXECUTOR).toHex()).endsWith("5254007700100000000000000001" + "02");
        assertThat(new Alpha(HEAD, HPC, 1, Role.MONITOR).toHex()).endsWith("03");
    }

    @Test
    void hexRoundTrips() {
        for (Role role : Role.values()) {
            Alpha alpha = new Alpha(HEAD, HPC, 0x0102030405060708L, role);
            assertThat(Alpha.fromHex(alpha.toHex())).isEqualTo(alpha).hasSameHashCodeAs(alpha);
            assertThat(Alpha.decode(alpha.encode())).isEqualTo(alpha);
        }
    }

    @Test
    void everyFieldChangesTheInput() {
        Alpha a = new Alpha(HEAD, HPC, 7, Role.VERIFIER);
        byte[] otherHead = HEAD.clone();
        otherHead[31] ^= 1;
        assertThat(new Alpha(otherHead, HPC, 7, Role.VERIFIER).encode()).isNotEqualTo(a.encode());
        assertThat(new Alpha(HEAD, MacAddress.parse("52:54:00:77:00:11"), 7, Role.VERIFIER).encode()).isNotEqualTo(a.encode());
        assertThat(new Alpha(HEAD, HPC, 8, Role.VERIFIER).encode()).isNotEqualTo(a.encode());
        assertThat(new Alpha(HEAD, HPC, 7, Role.EXECUTOR).encode()).isNotEqualTo(a.encode());
    }

    @Test
    void theLedgerHeadIsCopied() {
        byte[] head = HEAD.clone();
        Alpha alpha = new Alpha(head, HPC, 1, Role.VERIFIER);
        head[0] = 99;
        alpha.ledgerHead()[1] = 99;
        assertThat(alpha.ledgerHead()).isEqualTo(HEAD);
    }

    @Test
    void malformedAlphasAreRefusedByName() {
        byte[] good = new Alpha(HEAD, HPC, 1, Role.VERIFIER).encode();
        assertThatThrownBy(() -> Alpha.decode(Arrays.copyOf(good, 62)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a sortition alpha is 63 bytes, got 62");
        byte[] badTag = good.clone();
        badTag[15] = '2';
        assertThatThrownBy(() -> Alpha.decode(badTag)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a sortition alpha starts with \"leo-sortition-v1\", this one with " + HexFormat.of().formatHex(badTag, 0, 16));
        byte[] badRole = good.clone();
        badRole[62] = 0;
        assertThatThrownBy(() -> Alpha.decode(badRole)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sortition role code 0 is not 1 (VERIFIER), 2 (EXECUTOR) or 3 (MONITOR)");
        assertThatThrownBy(() -> Alpha.fromHex("abc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("a sortition alpha in hex is not hex: ");
        assertThatThrownBy(() -> new Alpha(new byte[31], HPC, 1, Role.VERIFIER)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a ledger head is 32 bytes, got 31");
    }
}
