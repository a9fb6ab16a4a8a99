package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.tpm.EkType;

/**
 * {@link EnrollmentToken}: a golden token, the round trip, what decoding forgives (case, white space, groups) and
 * what it refuses, each by its sentence: every single mistyped character, a cut token, another alphabet, another
 * prefix, a non-canonical last character, an unknown EK type.
 */
class EnrollmentTokenTest {
    static final HexFormat HEX = HexFormat.of();
    static final EnrollmentToken TOKEN = new EnrollmentToken(HEX.parseHex("11".repeat(32)), HEX.parseHex("22".repeat(32)), EkType.ECC_P256,
            HEX.parseHex("33".repeat(32)), HEX.parseHex("44".repeat(32)));
    /**
     * TOKEN's text: pinned, so a change of the format is a deliberate one (a new prefix). Made independently with Python:
     * {@code "leo1-" + base64.b32encode(p + sha256(b"leo1-" + p)[:4]).rstrip("=").lower()}.
     */
    static final String GOLDEN = "leo1-ceirceirceirceirceirceirceirceirceirceirceirceirceiseirceirceirceirceirceirceirceirceirceirceirceirceiqcg"
            + "mztgmztgmztgmztgmztgmztgmztgmztgmztgmztgmztgmztgmzuirceirceirceirceirceirceirceirceirceirceirceirceird2pkxg4";

    @Test
    void encodesToTheGoldenTextAndBack() {
        assertThat(TOKEN.encode()).isEqualTo(GOLDEN).hasSize(EnrollmentToken.PREFIX.length() + EnrollmentToken.CHARS);
        assertThat(EnrollmentToken.CHARS).isEqualTo(213);
        assertThat(EnrollmentToken.decode(GOLDEN)).isEqualTo(TOKEN);
        assertThat(EnrollmentToken.decode(GOLDEN).ekType()).isEqualTo(EkType.ECC_P256);
        for (EkType t : List.of(EkType.RSA_2048, EkType.ECC_P384)) {
            EnrollmentToken other = new EnrollmentToken(TOKEN.member(), TOKEN.akSha256(), t, TOKEN.ekSha256(), TOKEN.caSha256());
            assertThat(EnrollmentToken.decode(other.encode())).isEqualTo(other).isNotEqualTo(TOKEN);
        }
    }

    @Test
    void decodingForgivesCaseWhiteSpaceAndGroups() {
        StringBuilder grouped = new StringBuilder(EnrollmentToken.PREFIX);
        String body = GOLDEN.substring(EnrollmentToken.PREFIX.length());
        for (int i = 0; i < body.length(); i += 8) {
            grouped.append(i == 0 ? "" : i % 64 == 0 ? "\n" : "-").append(body, i, Math.min(i + 8, body.length()));
        }
        assertThat(EnrollmentToken.decode("  " + grouped.toString().toUpperCase() + "\n")).isEqualTo(TOKEN);
    }

    @Test
    void everySingleMistypedCharacterIsRefused() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        int refused = 0;
        for (int i = EnrollmentToken.PREFIX.length(); i < GOLDEN.length(); i++) {
            for (char c : alphabet.toCharArray()) {
                if (c == GOLDEN.charAt(i)) {
                    continue;
                }
                String typo = GOLDEN.substring(0, i) + c + GOLDEN.substring(i + 1);
                assertThatThrownBy(() -> EnrollmentToken.decode(typo)).as("position %d as '%s'", i, c)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mistyped");
                refused++;
            }
        }
        assertThat(refused).isEqualTo(213 * 31);
    }

    @Test
    void whatIsNotATokenSaysWhy() {
        assertThatThrownBy(() -> EnrollmentToken.decode(GOLDEN.substring(0, GOLDEN.length() - 3)))
                .hasMessage("the token has 210 characters after 'leo1-', expected 213 (was it cut?)");
        assertThatThrownBy(() -> EnrollmentToken.decode("leo2-" + GOLDEN.substring(5))).hasMessage("not an enrollment token: it does not start with 'leo1-'");
        assertThatThrownBy(() -> EnrollmentToken.decode(GOLDEN.replaceFirst("ceir", "ce1r")))
                .hasMessage("the token has '1' at position 8, which is not in its alphabet (a-z, 2-7)");
        assertThatThrownBy(() -> EnrollmentToken.decode("leo1-" + "a".repeat(2000))).hasMessageStartingWith("not an enrollment token: 2005 characters");
        assertThatThrownBy(() -> EnrollmentToken.decode("")).hasMessage("not an enrollment token: it does not start with 'leo1-'");
        assertThatThrownBy(() -> EnrollmentToken.decode(GOLDEN.replaceFirst("k", "\u212a"))).as("a Kelvin sign lower-cases to k; it is not one")
                .hasMessageContaining("'\\u212a' at position ");
    }

    @Test
    void anUnknownEkTypeWithAGoodCheckIsRefused() throws Exception {
        // Build the bytes by hand: EK type 9, the right check.
        byte[] b = new byte[EnrollmentToken.BYTES];
        b[2 * EnrollmentToken.KEY] = 9;
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update("leo1-".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        md.update(b, 0, EnrollmentToken.BYTES - EnrollmentToken.CHECK);
        System.arraycopy(md.digest(), 0, b, EnrollmentToken.BYTES - EnrollmentToken.CHECK, EnrollmentToken.CHECK);
        assertThatThrownBy(() -> EnrollmentToken.decode("leo1-" + EnrollmentToken.base32(b))).hasMessage("the token names EK type 9, which this leo does not know");
    }

    @Test
    void makesThePisPeerListLine() {
        PeerList.Peer p = TOKEN.toPeer("10.78.0.1", 7450, List.of(MacAddress.parse("52:54:00:77:00:10")));
        assertThat(p.toLine()).isEqualTo("11".repeat(32) + " 10.78.0.1:7450 " + "22".repeat(32) + " ca=" + "44".repeat(32) + " hpc=52:54:00:77:00:10");
        assertThat(PeerList.parse(p.toLine(), "token").all()).hasSize(1);
    }
}
