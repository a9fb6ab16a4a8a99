package org.leo.consensus.vrf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * Properties over random keys and inputs: our proofs verify, to the beta proofToHash gives; a proof
 * does not verify for another alpha; public keys are Ed25519's (BouncyCastle's RFC 8032 code); the
 * constant-time and variable-time multiplications agree.
 */
class EcvrfPropertiesTest {
    static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void proofsOfRandomKeysAndAlphasVerify() {
        SplittableRandom rnd = new SplittableRandom(20230801);
        for (int i = 0; i < 200; i++) {
            byte[] sk = randomBytes(rnd, 32);
            byte[] alpha = randomBytes(rnd, rnd.nextInt(0, 100));
            byte[] pk = Ecvrf.publicKey(sk);
            byte[] pi = Ecvrf.prove(sk, alpha);
            VrfVerdict v = Ecvrf.verify(pk, pi, alpha);
            assertThat(v).as("key %d", i).isEqualTo(new VrfVerdict.Valid(Ecvrf.proofToHash(pi)));
            byte[] otherAlpha = Arrays.copyOf(alpha, alpha.length + 1);
            assertThat(Ecvrf.verify(pk, pi, otherAlpha).isValid()).isFalse();
            assertThat(Ecvrf.prove(sk, alpha)).as("deterministic").isEqualTo(pi);
        }
    }

    @Test
    void publicKeysAreEd25519PublicKeys() {
        SplittableRandom rnd = new SplittableRandom(8032);
        for (int i = 0; i < 200; i++) {
            byte[] sk = randomBytes(rnd, 32);
            byte[] bc = new byte[32];
            Ed25519.generatePublicKey(sk, 0, bc, 0);
            assertThat(Ecvrf.publicKey(sk)).isEqualTo(bc);
        }
    }

    @Test
    void constantTimeAndVariableTimeMultiplicationsAgree() {
        SplittableRandom rnd = new SplittableRandom(255);
        EdPoint p = Suite.encodeToCurve(new byte[32], new byte[] {1}).h();
        Precomp[] window = ScalarMult.windowTable(p);
        Precomp[] odd = ScalarMult.oddTableVar(p);
        for (int i = 0; i < 100; i++) {
            byte[] k = randomBytes(rnd, 32);
            k[31] &= 0x0F;                               // below L's 2^252 range: a reduced-size scalar
            EdPoint ct = new EdPoint();
            ScalarMult.varCt(k, window, ct);
            EdPoint var = new EdPoint();
            ScalarMult.minusVar(k, odd, new byte[16], odd, var);   // k P - 0 P
            assertThat(EdPoint.encode(ct, true)).isEqualTo(EdPoint.encode(var, false));

            EdPoint baseCt = new EdPoint();
            ScalarMult.baseCt(k, baseCt);
            EdPoint baseVar = new EdPoint();
            ScalarMult.baseMinusVar(k, new byte[16], odd, baseVar);
            assertThat(EdPoint.encode(baseCt, true)).isEqualTo(EdPoint.encode(baseVar, false));
        }
    }

    @Test
    void signedDigitsRecombineToTheScalar() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int i = 0; i < 1000; i++) {
            byte[] k = randomBytes(rnd, 32);
            k[31] &= 0x7F;
            int[] e = ScalarMult.signedRadix16(k);
            java.math.BigInteger sum = java.math.BigInteger.ZERO;
            for (int j = 63; j >= 0; j--) {
                assertThat(e[j]).isBetween(-8, 8);
                sum = sum.shiftLeft(4).add(java.math.BigInteger.valueOf(e[j]));
            }
            assertThat(sum).isEqualTo(new java.math.BigInteger(1, EcvrfRefusalsTest.reverse(k)));
            byte[] w = ScalarMult.wnafVar(k, 5);
            java.math.BigInteger wsum = java.math.BigInteger.ZERO;
            for (int j = w.length - 1; j >= 0; j--) {
                wsum = wsum.shiftLeft(1).add(java.math.BigInteger.valueOf(w[j]));
            }
            assertThat(wsum).isEqualTo(sum);
        }
    }
}
