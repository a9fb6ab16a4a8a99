package org.leo.protocol.tpm;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.leo.protocol.tpm.QuoteFailure.Code;

/**
 * Verifies a TPM2_Quote with plain JCA and our own bounds-checked parsers, never with TSS.Java's
 * validation (which accepts any ECDSA signature). The checks, each reported separately:
 * structure and caps; magic TPM_GENERATED_VALUE; type TPM_ST_ATTEST_QUOTE; extraData equals the
 * nonce; the quote covers exactly the expected sha256-bank PCRs and the PCRs it claims values
 * for; SHA-256 of the claimed values equals pcrDigest; claimed values equal the expected ones;
 * the ECDSA or RSASSA (PKCS#1 v1.5) SHA-256 signature over the attest bytes verifies with the
 * attestation key. Malformed input of any kind gives a {@link Code#MALFORMED} failure, never an
 * exception.
 */
public final class QuoteVerifier {
    private QuoteVerifier() {
    }

    public static QuoteVerdict verify(PublicKey attestationKey, TpmQuote quote, QuoteExpectation expected) {
        Objects.requireNonNull(attestationKey, "attestationKey");
        Objects.requireNonNull(quote, "quote");
        Objects.requireNonNull(expected, "expected");
        List<QuoteFailure> failures = new ArrayList<>();
        int[] claimed = quote.pcrs();
        List<byte[]> values = quote.pcrValues();
        boolean claimsWellFormed = checkClaims(claimed, values, failures);

        byte[] attestBytes = quote.attest();
        TpmsAttest attest = null;
        try {
            attest = TpmsAttestParser.parse(attestBytes);
        } catch (TpmFormatException e) {
            failures.add(new QuoteFailure(Code.MALFORMED, e.getMessage()));
        }
        if (attest != null) {
            checkAttest(attest, expected, claimsWellFormed ? claimed : null, values, failures);
        }
        if (attestBytes.length <= TpmsAttestParser.MAX_ATTEST_BYTES) {
            checkSignature(attestationKey, attestBytes, quote.signature(), failures);
        }
        return new QuoteVerdict(failures, attest);
    }

    private static boolean checkClaims(int[] claimed, List<byte[]> values, List<QuoteFailure> failures) {
        if (claimed.length > Tpm.PCR_COUNT) {
            failures.add(new QuoteFailure(Code.MALFORMED, "quote claims " + claimed.length
                    + " PCRs, more than the " + Tpm.PCR_COUNT + " a bank has"));
            return false;
        }
        for (int i = 0; i < claimed.length; i++) {
            if (claimed[i] < 0 || claimed[i] >= Tpm.PCR_COUNT || (i > 0 && claimed[i] <= claimed[i - 1])) {
                failures.add(new QuoteFailure(Code.MALFORMED, "quote claims PCRs " + Arrays.toString(claimed)
                        + ", expected distinct ascending numbers 0.." + (Tpm.PCR_COUNT - 1)));
                return false;
            }
        }
        if (values.size() != claimed.length) {
            failures.add(new QuoteFailure(Code.MALFORMED, "quote claims " + values.size() + " PCR values for "
                    + claimed.length + " PCRs " + Arrays.toString(claimed)));
            return false;
        }
        for (int i = 0; i < claimed.length; i++) {
            if (values.get(i).length != Tpm.SHA256_BYTES) {
                failures.add(new QuoteFailure(Code.MALFORMED, "claimed value of PCR " + claimed[i] + ": expected "
                        + Tpm.SHA256_BYTES + " bytes, got " + values.get(i).length));
                return false;
            }
        }
        return true;
    }

    /** @param claimed the well-formed claimed PCR numbers, or null when they are not */
    private static void checkAttest(TpmsAttest attest, QuoteExpectation expected, int[] claimed, List<byte[]> values,
                                    List<QuoteFailure> failures) {
        if (attest.magic() != TpmsAttest.TPM_GENERATED_VALUE) {
            failures.add(new QuoteFailure(Code.BAD_MAGIC, String.format(
                    "attest magic is 0x%08x, expected 0x%08x (TPM_GENERATED_VALUE)", attest.magic(), TpmsAttest.TPM_GENERATED_VALUE)));
        }
        if (attest.type() != TpmsAttest.TPM_ST_ATTEST_QUOTE) {
            failures.add(new QuoteFailure(Code.NOT_A_QUOTE, String.format(
                    "attest type is 0x%04x, expected 0x%04x (TPM_ST_ATTEST_QUOTE)", attest.type(), TpmsAttest.TPM_ST_ATTEST_QUOTE)));
        }
        byte[] nonce = expected.nonce();
        if (!MessageDigest.isEqual(attest.extraData(), nonce)) {
            failures.add(new QuoteFailure(Code.WRONG_NONCE, "quote nonce is " + hex(attest.extraData())
                    + ", expected " + hex(nonce)));
        }
        if (attest.quote().isEmpty()) {
            return;
        }
        TpmsQuoteInfo info = attest.quote().get();
        int[] covered = sha256Only(info.pcrSelect());
        String coveredText = covered != null ? "sha256:" + Arrays.toString(covered) : describe(info.pcrSelect());
        if (covered == null || !Arrays.equals(covered, expected.pcrs())) {
            failures.add(new QuoteFailure(Code.PCR_SELECTION_MISMATCH, "quote covers " + coveredText
                    + ", expected sha256:" + Arrays.toString(expected.pcrs())));
        }
        if (claimed == null) {
            return;
        }
        if (covered != null && !Arrays.equals(covered, claimed)) {
            failures.add(new QuoteFailure(Code.PCR_SELECTION_MISMATCH, "quote claims values for PCRs "
                    + Arrays.toString(claimed) + ", but its attest covers " + coveredText));
        }
        byte[] digest = Tpm.sha256(concat(values));
        if (!MessageDigest.isEqual(digest, info.pcrDigest())) {
            failures.add(new QuoteFailure(Code.PCR_DIGEST_MISMATCH, "quote pcrDigest is " + hex(info.pcrDigest())
                    + ", but the claimed PCR values hash to " + hex(digest)));
        }
        for (Map.Entry<Integer, byte[]> e : expected.pcrValues().entrySet()) {
            int index = Arrays.binarySearch(claimed, e.getKey());
            if (index >= 0 && !MessageDigest.isEqual(values.get(index), e.getValue())) {
                failures.add(new QuoteFailure(Code.PCR_VALUE_MISMATCH, "PCR " + e.getKey() + " is "
                        + hex(values.get(index)) + ", expected " + hex(e.getValue())));
            }
        }
    }

    /** The PCRs of the one non-empty selection if it is the sha256 bank, else null. */
    private static int[] sha256Only(List<PcrSelection> selections) {
        int[] found = new int[0];
        int nonEmpty = 0;
        for (PcrSelection s : selections) {
            if (s.pcrs().length == 0) {
                continue;
            }
            nonEmpty++;
            if (s.hashAlg() != PcrSelection.SHA256 || nonEmpty > 1) {
                return null;
            }
            found = s.pcrs();
        }
        return found;
    }

    private static String describe(List<PcrSelection> selections) {
        return selections.stream().filter(s -> s.pcrs().length > 0).map(PcrSelection::toString).toList().toString();
    }

    private static void checkSignature(PublicKey key, byte[] attest, byte[] signatureBytes, List<QuoteFailure> failures) {
        TpmtSignature signature;
        try {
            signature = TpmtSignatureParser.parse(signatureBytes);
        } catch (TpmFormatException e) {
            failures.add(new QuoteFailure(Code.MALFORMED, e.getMessage()));
            return;
        }
        String scheme = signature instanceof TpmtSignature.Ecdsa ? "ecdsa" : "rsassa";
        if (signature.hashAlg() != TpmAlgorithms.SHA256) {
            failures.add(new QuoteFailure(Code.BAD_SIGNATURE, scheme + " signature uses "
                    + TpmAlgorithms.name(signature.hashAlg()) + ", expected sha256"));
            return;
        }
        String keyType = key instanceof ECPublicKey ? "EC" : key instanceof RSAPublicKey ? "RSA" : key.getAlgorithm();
        boolean keyFits = signature instanceof TpmtSignature.Ecdsa ? key instanceof ECPublicKey : key instanceof RSAPublicKey;
        if (!keyFits) {
            failures.add(new QuoteFailure(Code.BAD_SIGNATURE, "signature is " + scheme + " but the attestation key is " + keyType));
            return;
        }
        String keyId = AttestationKey.fingerprint(key).substring(0, 16);
        try {
            Signature verifier;
            byte[] sig;
            if (signature instanceof TpmtSignature.Ecdsa ecdsa) {
                verifier = Signature.getInstance("SHA256withECDSA");
                sig = derSignature(ecdsa.r(), ecdsa.s());
            } else {
                verifier = Signature.getInstance("SHA256withRSA");
                sig = ((TpmtSignature.Rsassa) signature).sig();
            }
            verifier.initVerify(key);
            verifier.update(attest);
            if (!verifier.verify(sig)) {
                failures.add(new QuoteFailure(Code.BAD_SIGNATURE, scheme + " signature over the attest does not verify with attestation key "
                        + keyId + "..."));
            }
        } catch (GeneralSecurityException e) {
            failures.add(new QuoteFailure(Code.BAD_SIGNATURE, scheme + " signature over the attest does not verify with attestation key "
                    + keyId + "...: " + e.getMessage()));
        }
    }

    /** SEQUENCE { INTEGER r, INTEGER s } from unsigned big-endian r and s (at most 66 bytes each). */
    static byte[] derSignature(byte[] r, byte[] s) {
        byte[] ri = derInteger(r);
        byte[] si = derInteger(s);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        int len = ri.length + si.length;
        if (len >= 0x80) {
            out.write(0x81);
        }
        out.write(len);
        out.writeBytes(ri);
        out.writeBytes(si);
        return out.toByteArray();
    }

    private static byte[] derInteger(byte[] unsigned) {
        int start = 0;
        while (start < unsigned.length - 1 && unsigned[start] == 0) {
            start++;
        }
        int n = unsigned.length - start;
        boolean pad = n == 0 || (unsigned[start] & 0x80) != 0;
        byte[] out = new byte[2 + n + (pad ? 1 : 0)];
        out[0] = 0x02;
        out[1] = (byte) (n + (pad ? 1 : 0));
        System.arraycopy(unsigned, start, out, 2 + (pad ? 1 : 0), n);
        return out;
    }

    private static byte[] concat(List<byte[]> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        values.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static String hex(byte[] b) {
        return b.length == 0 ? "(empty)" : HexFormat.of().formatHex(b);
    }
}
