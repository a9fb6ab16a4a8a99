package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.QuoteFailure.Code;

/**
 * {@link QuoteVerifier} on real quotes (golden captures from swtpm: one made by {@link Tpm}, one by
 * {@code tpm2_quote} with an RSA key) and on each way of tampering with them. Every rejection
 * asserts the exact failure list and sentence.
 */
class QuoteVerifierTest {
    private static final GoldenQuote ECC = GoldenQuote.load("ecc-leo");
    private static final GoldenQuote RSA = GoldenQuote.load("rsa-tpm2-tools");
    private static final HexFormat HEX = HexFormat.of();
    /** Offset of the last byte of clockInfo.clock in both golden attests (SHA-256 signer name, 16-byte nonce; see TpmsAttestParserTest). */
    private static final int CLOCK_LAST_BYTE = 4 + 2 + 2 + 34 + 2 + 16 + 7;

    private static QuoteVerdict verify(GoldenQuote golden, TpmQuote quote) {
        return QuoteVerifier.verify(golden.publicKey(), quote, golden.expectation());
    }

    private static TpmQuote withAttest(TpmQuote q, byte[] attest) {
        return new TpmQuote(attest, q.signature(), q.pcrs(), q.pcrValues());
    }

    private static TpmQuote withSignature(TpmQuote q, byte[] signature) {
        return new TpmQuote(q.attest(), signature, q.pcrs(), q.pcrValues());
    }

    private static TpmQuote withValues(TpmQuote q, int[] pcrs, List<byte[]> values) {
        return new TpmQuote(q.attest(), q.signature(), pcrs, values);
    }

    private static String keyId(PublicKey key) {
        return AttestationKey.fingerprint(key).substring(0, 16);
    }

    @Test
    void realQuotesVerifyAndExposeTheClock() {
        QuoteVerdict ecc = verify(ECC, ECC.quote());
        assertThat(ecc.failures()).isEmpty();
        assertThat(ecc.ok()).isTrue();
        assertThat(ecc.summary()).isEqualTo("ok");
        assertThat(ecc.clockInfo()).isPresent();
        assertThat(ecc.clockInfo().get().safe()).isTrue();
        assertThat(ecc.firmwareVersion()).isPresent();
        assertThat(ecc.attest().orElseThrow().extraData()).isEqualTo(ECC.nonce());

        QuoteVerdict rsa = verify(RSA, RSA.quote());
        assertThat(rsa.failures()).isEmpty();
    }

    @Test
    void wrongNonce() {
        byte[] other = new byte[16];
        QuoteVerdict v = QuoteVerifier.verify(ECC.publicKey(), ECC.quote(), QuoteExpectation.of(other, 16, 23));
        assertThat(v.failures()).containsExactly(new QuoteFailure(Code.WRONG_NONCE,
                "quote nonce is " + HEX.formatHex(ECC.nonce()) + ", expected 00000000000000000000000000000000"));
        assertThat(v.ok()).isFalse();
        assertThat(v.summary()).startsWith("WRONG_NONCE: quote nonce is ");

        QuoteVerdict empty = QuoteVerifier.verify(ECC.publicKey(), ECC.quote(), QuoteExpectation.of(new byte[0], 16, 23));
        assertThat(empty.failures()).extracting(QuoteFailure::message)
                .containsExactly("quote nonce is " + HEX.formatHex(ECC.nonce()) + ", expected (empty)");
    }

    @Test
    void aFlippedBitInTheAttestBreaksTheSignature() {
        byte[] attest = ECC.quote().attest();
        attest[CLOCK_LAST_BYTE] ^= 0x01;
        QuoteVerdict v = verify(ECC, withAttest(ECC.quote(), attest));
        assertThat(v.failures()).containsExactly(new QuoteFailure(Code.BAD_SIGNATURE,
                "ecdsa signature over the attest does not verify with attestation key " + keyId(ECC.publicKey()) + "..."));
    }

    @Test
    void aFlippedBitInAnRsaAttestBreaksTheSignature() {
        byte[] attest = RSA.quote().attest();
        attest[CLOCK_LAST_BYTE] ^= 0x40;
        QuoteVerdict v = verify(RSA, withAttest(RSA.quote(), attest));
        assertThat(v.failures()).extracting(QuoteFailure::code).containsExactly(Code.BAD_SIGNATURE);
        assertThat(v.failures().get(0).message()).startsWith("rsassa signature over the attest does not verify with attestation key ");
    }

    @Test
    void aChangedClaimedPcrValueNoLongerHashesToPcrDigest() {
        List<byte[]> values = new ArrayList<>(ECC.quote().pcrValues());
        byte[] original23 = values.get(1);
        byte[] forged = original23.clone();
        forged[0] ^= 0x01;
        values.set(1, forged);
        TpmQuote tampered = withValues(ECC.quote(), ECC.quote().pcrs(), values);
        byte[] pcrDigest = Tpm.sha256(ECC.quote().pcrValuesConcatenated());
        byte[] claimedDigest = Tpm.sha256(tampered.pcrValuesConcatenated());
        QuoteFailure digest = new QuoteFailure(Code.PCR_DIGEST_MISMATCH, "quote pcrDigest is " + HEX.formatHex(pcrDigest)
                + ", but the claimed PCR values hash to " + HEX.formatHex(claimedDigest));
        assertThat(verify(ECC, tampered).failures()).containsExactly(digest);

        // with the expected value of PCR 23 given, the forged value is also named
        QuoteVerdict v = QuoteVerifier.verify(ECC.publicKey(), tampered, ECC.expectation().withPcrValue(23, original23));
        assertThat(v.failures()).containsExactly(digest, new QuoteFailure(Code.PCR_VALUE_MISMATCH,
                "PCR 23 is " + HEX.formatHex(forged) + ", expected " + HEX.formatHex(original23)));
    }

    @Test
    void aGenuineValueThatIsNotTheExpectedOne() {
        byte[] expected = new byte[32];
        QuoteVerdict v = QuoteVerifier.verify(ECC.publicKey(), ECC.quote(), ECC.expectation().withPcrValue(16, expected));
        assertThat(v.failures()).containsExactly(new QuoteFailure(Code.PCR_VALUE_MISMATCH,
                "PCR 16 is " + HEX.formatHex(ECC.quote().pcrValues().get(0)) + ", expected " + HEX.formatHex(expected)));
        byte[] actual = ECC.quote().pcrValues().get(0);
        assertThat(QuoteVerifier.verify(ECC.publicKey(), ECC.quote(), ECC.expectation().withPcrValue(16, actual)).ok()).isTrue();
    }

    @Test
    void theQuoteCoversOtherPcrsThanWeAskedFor() {
        QuoteVerdict v = QuoteVerifier.verify(ECC.publicKey(), ECC.quote(), QuoteExpectation.of(ECC.nonce(), 23));
        assertThat(v.failures()).containsExactly(new QuoteFailure(Code.PCR_SELECTION_MISMATCH,
                "quote covers sha256:[16, 23], expected sha256:[23]"));
    }

    @Test
    void theClaimedPcrNumbersAreNotTheOnesQuoted() {
        QuoteVerdict v = verify(ECC, withValues(ECC.quote(), new int[] {16, 22}, ECC.quote().pcrValues()));
        assertThat(v.failures()).containsExactly(new QuoteFailure(Code.PCR_SELECTION_MISMATCH,
                "quote claims values for PCRs [16, 22], but its attest covers sha256:[16, 23]"));
    }

    @Test
    void aSignatureByAnotherKey() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair other = gen.generateKeyPair();
        Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(other.getPrivate());
        signer.update(ECC.quote().attest());
        byte[] rs = signer.sign();
        byte[] forged = tpmtSignatureEcdsa(Arrays.copyOfRange(rs, 0, 32), Arrays.copyOfRange(rs, 32, 64));
        TpmQuote signedByOther = withSignature(ECC.quote(), forged);

        // the forged signature is well made: the other key accepts it
        assertThat(QuoteVerifier.verify(other.getPublic(), signedByOther, ECC.expectation()).ok()).isTrue();
        assertThat(verify(ECC, signedByOther).failures()).containsExactly(new QuoteFailure(Code.BAD_SIGNATURE,
                "ecdsa signature over the attest does not verify with attestation key " + keyId(ECC.publicKey()) + "..."));
        // and the genuine quote does not verify with a key we do not expect
        assertThat(QuoteVerifier.verify(other.getPublic(), ECC.quote(), ECC.expectation()).failures())
                .containsExactly(new QuoteFailure(Code.BAD_SIGNATURE,
                        "ecdsa signature over the attest does not verify with attestation key " + keyId(other.getPublic()) + "..."));
    }

    @Test
    void aSignatureOfTheWrongKeyTypeOrHash() {
        assertThat(QuoteVerifier.verify(ECC.publicKey(), withSignature(ECC.quote(), RSA.quote().signature()), ECC.expectation())
                .failures()).containsExactly(new QuoteFailure(Code.BAD_SIGNATURE, "signature is rsassa but the attestation key is EC"));
        byte[] sha1 = ECC.quote().signature();
        sha1[3] = 0x04;
        assertThat(verify(ECC, withSignature(ECC.quote(), sha1)).failures())
                .containsExactly(new QuoteFailure(Code.BAD_SIGNATURE, "ecdsa signature uses sha1, expected sha256"));
    }

    @Test
    void badMagicAndNotAQuote() {
        byte[] magic = ECC.quote().attest();
        magic[0] = (byte) 0xFE;
        assertThat(verify(ECC, withAttest(ECC.quote(), magic)).failures()).extracting(QuoteFailure::code)
                .containsExactly(Code.BAD_MAGIC, Code.BAD_SIGNATURE);
        assertThat(verify(ECC, withAttest(ECC.quote(), magic)).failures().get(0).message())
                .isEqualTo("attest magic is 0xfe544347, expected 0xff544347 (TPM_GENERATED_VALUE)");
        byte[] type = ECC.quote().attest();
        type[5] = 0x17;
        assertThat(verify(ECC, withAttest(ECC.quote(), type)).failures()).containsExactly(
                new QuoteFailure(Code.NOT_A_QUOTE, "attest type is 0x8017, expected 0x8018 (TPM_ST_ATTEST_QUOTE)"),
                new QuoteFailure(Code.BAD_SIGNATURE,
                        "ecdsa signature over the attest does not verify with attestation key " + keyId(ECC.publicKey()) + "..."));
    }

    @Test
    void malformedAttestAndSignatureAreFailuresNotExceptions() {
        byte[] truncated = Arrays.copyOf(ECC.quote().attest(), 10);
        QuoteVerdict v = verify(ECC, withAttest(ECC.quote(), truncated));
        assertThat(v.failures()).extracting(QuoteFailure::code).containsExactly(Code.MALFORMED, Code.BAD_SIGNATURE);
        assertThat(v.failures().get(0).message()).isEqualTo("TPMS_ATTEST truncated in qualifiedSigner: expected 34 bytes, got 2");
        assertThat(v.attest()).isEmpty();
        assertThat(v.clockInfo()).isEmpty();
        assertThat(v.firmwareVersion()).isEmpty();

        assertThat(verify(ECC, withAttest(ECC.quote(), new byte[2000])).failures()).containsExactly(
                new QuoteFailure(Code.MALFORMED, "TPMS_ATTEST is 2000 bytes, more than the 1024 accepted"));
        assertThat(verify(ECC, withSignature(ECC.quote(), new byte[] {0x12, 0x34})).failures()).containsExactly(
                new QuoteFailure(Code.MALFORMED, "TPMT_SIGNATURE sigAlg is alg 0x1234, expected ecdsa (0x0018) or rsassa (0x0014)"));
        assertThat(verify(ECC, withSignature(ECC.quote(), tpmtSignatureEcdsa(new byte[0], new byte[0]))).failures())
                .extracting(QuoteFailure::code).containsExactly(Code.BAD_SIGNATURE);
    }

    @Test
    void malformedClaims() {
        List<byte[]> values = ECC.quote().pcrValues();
        assertThat(verify(ECC, withValues(ECC.quote(), new int[] {23, 16}, values)).failures()).first()
                .isEqualTo(new QuoteFailure(Code.MALFORMED, "quote claims PCRs [23, 16], expected distinct ascending numbers 0..23"));
        assertThat(verify(ECC, withValues(ECC.quote(), new int[] {16, 24}, values)).failures()).first()
                .isEqualTo(new QuoteFailure(Code.MALFORMED, "quote claims PCRs [16, 24], expected distinct ascending numbers 0..23"));
        assertThat(verify(ECC, withValues(ECC.quote(), new int[] {16, 23}, values.subList(0, 1))).failures()).first()
                .isEqualTo(new QuoteFailure(Code.MALFORMED, "quote claims 1 PCR values for 2 PCRs [16, 23]"));
        assertThat(verify(ECC, withValues(ECC.quote(), new int[] {16, 23}, List.of(values.get(0), new byte[20]))).failures())
                .first().isEqualTo(new QuoteFailure(Code.MALFORMED, "claimed value of PCR 23: expected 32 bytes, got 20"));
        assertThat(verify(ECC, withValues(ECC.quote(), new int[25], values)).failures()).first()
                .isEqualTo(new QuoteFailure(Code.MALFORMED, "quote claims 25 PCRs, more than the 24 a bank has"));
    }

    @Test
    void derEncodingOfRAndSKeepsThemPositive() {
        byte[] der = QuoteVerifier.derSignature(new byte[] {0, 0, (byte) 0x80}, new byte[] {0x01});
        assertThat(der).containsExactly(0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01);
        byte[] big = new byte[66];
        big[0] = (byte) 0xFF;
        byte[] long66 = QuoteVerifier.derSignature(big, big);
        assertThat(long66).startsWith(0x30, 0x81, 138);
        assertThat(new BigInteger(1, Arrays.copyOfRange(long66, 6, 72))).isEqualTo(new BigInteger(1, big));
    }

    /** A TPMT_SIGNATURE with ECDSA/SHA-256 and the given r and s. */
    static byte[] tpmtSignatureEcdsa(byte[] r, byte[] s) {
        byte[] out = new byte[2 + 2 + 2 + r.length + 2 + s.length];
        out[1] = 0x18;
        out[3] = 0x0B;
        out[4] = (byte) (r.length >>> 8);
        out[5] = (byte) r.length;
        System.arraycopy(r, 0, out, 6, r.length);
        out[6 + r.length] = (byte) (s.length >>> 8);
        out[7 + r.length] = (byte) s.length;
        System.arraycopy(s, 0, out, 8 + r.length, s.length);
        return out;
    }
}
