package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code leo vrf keygen|prove|verify}, in process, with RFC 9381 Appendix B.3 Example 16 (SK 9d61...,
 * alpha empty) and a tampered proof; {@code --batch} over valid, invalid and malformed lines.
 */
class VrfCommandTest {
    static final String SK = VrfCommand.EXAMPLE_SK;
    static final String PK = VrfCommand.EXAMPLE_PK;
    static final String PI = VrfCommand.EXAMPLE_PI;
    static final String BETA = "90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff"
            + "66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae";
    /** Example 17 (alpha 0x72). */
    static final String PK17 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
    static final String PI17 = "f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed593"
            + "3bf0864a62558b3ed7f2fea45c92a465301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02";
    /** PI with one bit of c flipped (byte 32: 0x26 -> 0x27). */
    static final String TAMPERED = PI.substring(0, 64) + "27" + PI.substring(66);

    static AttestCommandTest.Run leoWithInput(String stdin, String... args) {
        InputStream in = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            return AttestCommandTest.leo(args);
        } finally {
            System.setIn(in);
        }
    }

    @Test
    void keygenDerivesTheRfcPublicKeyOrDrawsAFreshPair() {
        AttestCommandTest.Run r = AttestCommandTest.leo("vrf", "keygen", "--secret-key", SK);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("secret-key " + SK + "\npublic-key " + PK + "\n");

        AttestCommandTest.Run fresh = AttestCommandTest.leo("vrf", "keygen");
        assertThat(fresh.status()).isZero();
        assertThat(fresh.out()).matches("secret-key [0-9a-f]{64}\npublic-key [0-9a-f]{64}\n");
        String sk = fresh.out().lines().findFirst().orElseThrow().substring("secret-key ".length());
        assertThat(sk).isNotEqualTo(SK);
        assertThat(AttestCommandTest.leo("vrf", "keygen", "--secret-key", sk).out()).isEqualTo(fresh.out());
    }

    @Test
    void proveGivesTheRfcProofAndBeta() {
        AttestCommandTest.Run r = AttestCommandTest.leo("vrf", "prove", "--secret-key", SK, "--alpha", "-");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("proof " + PI + "\nbeta " + BETA + "\n");
        assertThat(AttestCommandTest.leo("vrf", "prove", "--secret-key", SK, "--alpha", "").out()).isEqualTo(r.out());
    }

    @Test
    void verifySaysValidWithBetaOrInvalidWithTheReason() {
        AttestCommandTest.Run ok = AttestCommandTest.leo("vrf", "verify", "--public-key", PK, "--proof", PI, "--alpha", "-");
        assertThat(ok.status()).isZero();
        assertThat(ok.out()).isEqualTo("valid beta " + BETA + "\n");

        AttestCommandTest.Run bad = AttestCommandTest.leo("vrf", "verify", "--public-key", PK, "--proof", TAMPERED, "--alpha", "-");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.out()).isEqualTo("invalid challenge-mismatch: the proof's challenge does not match "
                + "(wrong public key, wrong alpha, or an altered proof)\n");

        AttestCommandTest.Run otherAlpha = AttestCommandTest.leo("vrf", "verify", "--public-key", PK, "--proof", PI, "--alpha", "72");
        assertThat(otherAlpha.status()).isEqualTo(1);
        assertThat(otherAlpha.out()).startsWith("invalid challenge-mismatch");

        AttestCommandTest.Run smallOrder = AttestCommandTest.leo("vrf", "verify", "--public-key", "01" + "00".repeat(31), "--proof", PI, "--alpha", "-");
        assertThat(smallOrder.status()).isEqualTo(1);
        assertThat(smallOrder.out()).startsWith("invalid public-key-small-order: ");
    }

    @Test
    void malformedHexAndWrongLengthsAreUsageErrorsNamingTheOption() {
        AttestCommandTest.Run notHex = AttestCommandTest.leo("vrf", "verify", "--public-key", PK, "--proof", "zz" + PI.substring(2), "--alpha", "-");
        assertThat(notHex.status()).isEqualTo(2);
        assertThat(notHex.err()).contains("--proof: not hex");

        AttestCommandTest.Run shortKey = AttestCommandTest.leo("vrf", "verify", "--public-key", PK.substring(2), "--proof", PI, "--alpha", "-");
        assertThat(shortKey.status()).isEqualTo(2);
        assertThat(shortKey.err()).contains("--public-key: expected 32 bytes (64 hex digits), got 31");

        AttestCommandTest.Run oddAlpha = AttestCommandTest.leo("vrf", "prove", "--secret-key", SK, "--alpha", "abc");
        assertThat(oddAlpha.status()).isEqualTo(2);
        assertThat(oddAlpha.err()).contains("--alpha: not hex");

        AttestCommandTest.Run longSecret = AttestCommandTest.leo("vrf", "keygen", "--secret-key", SK + "00");
        assertThat(longSecret.status()).isEqualTo(2);
        assertThat(longSecret.err()).contains("--secret-key: expected 32 bytes (64 hex digits), got 33");

        AttestCommandTest.Run missing = AttestCommandTest.leo("vrf", "verify", "--public-key", PK, "--alpha", "-");
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("--proof");

        AttestCommandTest.Run mixed = leoWithInput("", "vrf", "verify", "--batch", "--public-key", PK);
        assertThat(mixed.status()).isEqualTo(2);
        assertThat(mixed.err()).contains("--batch reads standard input");
    }

    @Test
    void batchPrintsOneVerdictPerLineAndNeverStops() {
        String input = String.join("\n",
                PK + " " + PI + " -",
                PK17 + "\t" + PI17 + "\t72",
                PK + " " + TAMPERED + " -",
                "two fields",
                "not hex here",
                PK + " " + PI + " xyz",
                "",
                PK.substring(2) + " " + PI + " -",
                PK + " " + PI + " -\r") + "\n";
        AttestCommandTest.Run r = leoWithInput(input, "vrf", "verify", "--batch");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out().lines()).containsExactly(
                "valid beta " + BETA,
                "valid beta eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc57663b56373a5031",
                "invalid challenge-mismatch: the proof's challenge does not match (wrong public key, wrong alpha, or an altered proof)",
                "invalid malformed line: expected 3 fields (PK PROOF ALPHA), got 2",
                "invalid malformed line: PK is not hex: not",
                "invalid malformed line: ALPHA is not hex: xyz",
                "invalid malformed line: expected 3 fields (PK PROOF ALPHA), got 0",
                "invalid public-key-length: the public key is not 32 bytes (expected 32 bytes, got 31)",
                "valid beta " + BETA);

        AttestCommandTest.Run allValid = leoWithInput(PK + " " + PI + " -\n" + PK17 + " " + PI17 + " 72", "vrf", "verify", "--batch");
        assertThat(allValid.status()).isZero();
        assertThat(allValid.out().lines()).hasSize(2).allMatch(l -> l.startsWith("valid beta "));
    }

    @Test
    void helpReadsLikeAManPage() {
        AttestCommandTest.Run top = AttestCommandTest.leo("--help");
        assertThat(top.out()).contains("leo vrf --help");
        AttestCommandTest.Run h = AttestCommandTest.leo("vrf", "verify", "--help");
        assertThat(h.status()).isZero();
        assertThat(h.out()).contains("Description:", "--batch", "Exit status:", "Examples (RFC 9381 B.3 Example 16):", PK,
                "valid beta " + BETA);
    }
}
