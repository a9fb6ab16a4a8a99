package org.leo.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The leo.* kernel arguments: read once, strictly, never throwing. */
class LeoCmdlineTest {
    static final String NONCE = "5a".repeat(32);
    static final String CA = "c0".repeat(32);

    @Test
    void theArgumentsOfABootAreRead() {
        LeoCmdline c = LeoCmdline.parse("leo-hpc.efi leo.nonce=" + NONCE + " leo.server=10.77.0.1 console=ttyS0 leo.ca=" + CA
                + " leo.attest=7443:7444 leo.future=1");
        assertThat(c).isEqualTo(new LeoCmdline(Optional.of(NONCE), Optional.of("10.77.0.1"), Optional.of(CA), Optional.of("7443:7444"),
                java.util.List.of()));
    }

    @Test
    void aNonceGivenTwiceIsNoNonce() {
        LeoCmdline c = LeoCmdline.parse("leo.nonce=" + NONCE + " leo.nonce=" + "6b".repeat(32));
        assertThat(c.nonce()).isEmpty();
        assertThat(c.problems()).containsExactly("leo.nonce= appears more than once: which one would be trusted?");
    }

    @Test
    void malformedValuesAreNamed() {
        LeoCmdline c = LeoCmdline.parse("leo.nonce=XYZ leo.server=a;reboot leo.attest=7443 leo.ca");
        assertThat(c.nonce()).isEmpty();
        assertThat(c.problems()).containsExactly("leo.nonce= is malformed: 'XYZ'", "leo.server= is malformed: 'a;reboot'",
                "leo.ca= is malformed: ''", "leo.attest= is malformed: '7443'");
    }

    @Test
    void anOverlongLineIsRefusedWhole() {
        assertThat(LeoCmdline.parse("leo.nonce=" + NONCE + " " + "x".repeat(5000)).problems())
                .containsExactly("the command line has 5075 characters, at most 4096");
    }

    @FuzzTest(maxDuration = "20s")
    void neverThrowsAndOnlyWellFormedValuesComeOut(byte[] input) {
        LeoCmdline c = LeoCmdline.parse(new String(input, java.nio.charset.StandardCharsets.ISO_8859_1));
        c.nonce().ifPresent(n -> assertThat(n).matches("[0-9a-f]{64}"));
        c.ca().ifPresent(n -> assertThat(n).matches("[0-9a-f]{64}"));
        c.attest().ifPresent(n -> assertThat(n).matches("[0-9]{1,5}:[0-9]{1,5}"));
        c.server().ifPresent(n -> assertThat(n).matches("[A-Za-z0-9.:\\[\\]-]{1,255}"));
        c.problems().forEach(p -> assertThat(p).matches("[\\x20-\\x7e]+"));
    }
}
