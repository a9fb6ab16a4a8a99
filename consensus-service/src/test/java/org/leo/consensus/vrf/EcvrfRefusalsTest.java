package org.leo.consensus.vrf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything {@link Ecvrf#verify} must refuse, each with its reason, around RFC 9381 Example 16
 * (SK 9d61..., alpha empty): altered proofs, the wrong key or alpha, s &gt;= L, Gamma that is not a
 * canonical point, small-order and non-canonical public keys, wrong lengths.
 */
class EcvrfRefusalsTest {
    static final HexFormat HEX = HexFormat.of();
    static final byte[] PK = HEX.parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    static final byte[] PI = HEX.parseHex("8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f"
            + "26f8a57ccaed74ee1b190bed1f479d9727d2d0f9b005a6e456a35d4fb0daab1268a1b0db10836d9826a528ca76567805");
    static final byte[] ALPHA = new byte[0];
    static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    /** The eight points of small order, canonically encoded (identity, order 2, 4, 4, 8, 8, 8, 8). */
    static final List<String> SMALL_ORDER = List.of(
            "0100000000000000000000000000000000000000000000000000000000000000",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000080",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa");

    /** Non-canonical encodings: y = p + 1 (the identity), y = p (y = 0), y = 2^255 - 1, and x = 0 with the sign bit set. */
    static final List<String> NON_CANONICAL = List.of(
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0100000000000000000000000000000000000000000000000000000000000080",
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");

    static InvalidReason reason(VrfVerdict v) {
        assertThat(v).isInstanceOf(VrfVerdict.Invalid.class);
        return ((VrfVerdict.Invalid) v).reason();
    }

    static byte[] le32(BigInteger v) {
        byte[] out = new byte[32];
        byte[] be = v.toByteArray();
        for (int i = 0; i < 32 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    /** The first y = 2, 3, ... for which (y^2 - 1) / (d y^2 + 1) is not a square mod p: no point has it. */
    static byte[] yWithoutPoint() {
        BigInteger d = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
        for (long y = 2; ; y++) {
            BigInteger yy = BigInteger.valueOf(y).pow(2);
            BigInteger x2 = yy.subtract(BigInteger.ONE).multiply(d.multiply(yy).add(BigInteger.ONE).modInverse(P)).mod(P);
            if (x2.modPow(P.subtract(BigInteger.ONE).shiftRight(1), P).equals(P.subtract(BigInteger.ONE))) {
                return le32(BigInteger.valueOf(y));
            }
        }
    }

    @Test
    void theUntouchedProofIsValid() {
        assertThat(Ecvrf.verify(PK, PI, ALPHA).isValid()).isTrue();
    }

    @Test
    void everySingleBitFlipIsRefused() {
        for (int i = 0; i < PI.length * 8; i++) {
            byte[] pi = PI.clone();
            pi[i / 8] ^= (byte) (1 << (i % 8));
            VrfVerdict v = Ecvrf.verify(PK, pi, ALPHA);
            InvalidReason r = reason(v);
            if (i / 8 >= 32 && i / 8 < 48) {
                assertThat(r).as("bit %d (in c)", i).isEqualTo(InvalidReason.CHALLENGE_MISMATCH);
            } else {
                assertThat(r).as("bit %d", i).isIn(InvalidReason.GAMMA_NOT_ON_CURVE, InvalidReason.GAMMA_NOT_CANONICAL,
                        InvalidReason.S_NOT_REDUCED, InvalidReason.CHALLENGE_MISMATCH);
            }
        }
    }

    @Test
    void everyByteFlipIsRefused() {
        for (int i = 0; i < PI.length; i++) {
            byte[] pi = PI.clone();
            pi[i] ^= (byte) 0xFF;
            assertThat(Ecvrf.verify(PK, pi, ALPHA).isValid()).as("byte %d", i).isFalse();
        }
    }

    @Test
    void anotherKeyOrAnotherAlphaIsAChallengeMismatch() {
        byte[] otherPk = Ecvrf.publicKey(HEX.parseHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
        assertThat(reason(Ecvrf.verify(otherPk, PI, ALPHA))).isEqualTo(InvalidReason.CHALLENGE_MISMATCH);
        assertThat(reason(Ecvrf.verify(PK, PI, new byte[] {0x72}))).isEqualTo(InvalidReason.CHALLENGE_MISMATCH);
        assertThat(reason(Ecvrf.verify(PK, PI, new byte[] {0}))).isEqualTo(InvalidReason.CHALLENGE_MISMATCH);
    }

    @Test
    void sAtOrAboveTheGroupOrderIsRefused() {
        BigInteger l = new BigInteger(1, reverse(Scalars.L_BYTES));
        BigInteger s = new BigInteger(1, reverse(Arrays.copyOfRange(PI, 48, 80)));
        for (BigInteger bad : List.of(l, l.add(BigInteger.ONE), s.add(l), BigInteger.TWO.pow(256).subtract(BigInteger.ONE))) {
            byte[] pi = PI.clone();
            System.arraycopy(le32(bad), 0, pi, 48, 32);
            assertThat(reason(Ecvrf.verify(PK, pi, ALPHA))).as("s = %s", bad).isEqualTo(InvalidReason.S_NOT_REDUCED);
            assertThatThrownBy(() -> Ecvrf.proofToHash(pi)).hasMessageContaining("s-not-reduced");
        }
        // s + L is the same scalar mod L: the check, not the arithmetic, refuses it.
    }

    @Test
    void gammaThatIsNoCanonicalPointIsRefused() {
        for (String enc : NON_CANONICAL) {
            byte[] pi = PI.clone();
            System.arraycopy(HEX.parseHex(enc), 0, pi, 0, 32);
            assertThat(reason(Ecvrf.verify(PK, pi, ALPHA))).as(enc).isEqualTo(InvalidReason.GAMMA_NOT_CANONICAL);
        }
        byte[] pi = PI.clone();
        System.arraycopy(yWithoutPoint(), 0, pi, 0, 32);
        assertThat(reason(Ecvrf.verify(PK, pi, ALPHA))).isEqualTo(InvalidReason.GAMMA_NOT_ON_CURVE);
        assertThatThrownBy(() -> Ecvrf.proofToHash(pi)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid gamma-not-on-curve: the proof's Gamma does not decode to a curve point");
    }

    @Test
    void smallOrderPublicKeysAreRefused() {
        for (String enc : SMALL_ORDER) {
            assertThat(reason(Ecvrf.verify(HEX.parseHex(enc), PI, ALPHA))).as(enc).isEqualTo(InvalidReason.PUBLIC_KEY_SMALL_ORDER);
        }
    }

    @Test
    void nonCanonicalAndUndecodablePublicKeysAreRefused() {
        for (String enc : NON_CANONICAL) {
            assertThat(reason(Ecvrf.verify(HEX.parseHex(enc), PI, ALPHA))).as(enc).isEqualTo(InvalidReason.PUBLIC_KEY_NOT_CANONICAL);
        }
        assertThat(reason(Ecvrf.verify(yWithoutPoint(), PI, ALPHA))).isEqualTo(InvalidReason.PUBLIC_KEY_NOT_ON_CURVE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 31, 33, 64})
    void publicKeysOfTheWrongLengthAreRefused(int len) {
        VrfVerdict v = Ecvrf.verify(new byte[len], PI, ALPHA);
        assertThat(reason(v)).isEqualTo(InvalidReason.PUBLIC_KEY_LENGTH);
        assertThat(v.toLine()).isEqualTo("invalid public-key-length: the public key is not 32 bytes (expected 32 bytes, got " + len + ")");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 79, 81, 96})
    void proofsOfTheWrongLengthAreRefused(int len) {
        byte[] pi = Arrays.copyOf(PI, len);
        VrfVerdict v = Ecvrf.verify(PK, pi, ALPHA);
        assertThat(reason(v)).isEqualTo(InvalidReason.PROOF_LENGTH);
        assertThat(v.toLine()).endsWith("(expected 80 bytes, got " + len + ")");
        assertThatThrownBy(() -> Ecvrf.proofToHash(pi)).hasMessageStartingWith("invalid proof-length");
    }

    @Test
    void secretKeysOfTheWrongLengthAreAProgrammingError() {
        assertThatThrownBy(() -> Ecvrf.prove(new byte[31], ALPHA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret key: expected 32 bytes, got 31");
        assertThatThrownBy(() -> Ecvrf.publicKey(new byte[33])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyReasonHasACodeAndASentence() {
        for (InvalidReason r : InvalidReason.values()) {
            assertThat(r.toString()).matches("[a-z-]+").isEqualTo(r.code());
            assertThat(r.description()).startsWith("the ");
        }
    }

    static byte[] reverse(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }
}
