package org.leo.attest.appraise;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.tpm.QuoteExpectation;
import org.leo.protocol.tpm.QuoteFailure;
import org.leo.protocol.tpm.QuoteVerdict;
import org.leo.protocol.tpm.QuoteVerifier;
import org.leo.protocol.tpm.TpmQuote;

/**
 * The HPC's own TPM quote: verified with JCA against the attestation key of the baseline's quote
 * (trusted on first use: without an EK certificate the Pi cannot tell a TPM from software), with
 * the challenge nonce, and with the baseline's PCR values as the expected ones.
 */
final class TpmAppraisal {
    /** A DER SubjectPublicKeyInfo of a P-256 or RSA-2048 key is well under this. */
    static final int MAX_AK_BYTES = 1024;

    private TpmAppraisal() {
    }

    /** An ECC or RSA SubjectPublicKeyInfo: the algorithm is the one its own identifier names. */
    static PublicKey publicKey(byte[] der) throws java.security.GeneralSecurityException {
        String oid = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(der).getAlgorithm().getAlgorithm().getId();
        String algorithm = switch (oid) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            default -> throw new java.security.GeneralSecurityException("unsupported key algorithm " + oid);
        };
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
    }

    static void appraise(TpmQuoteResult got, byte[] nonce, Golden golden, Findings out) {
        TpmQuoteResult ref = golden.tpmQuote().orElse(got);
        HexFormat hex = HexFormat.of();
        if (!ref.getAkPublicDer().equals(got.getAkPublicDer())) {
            out.add("TPM", "tpm.ak.changed", hex.formatHex(ref.getAkPublicDer().toByteArray()), hex.formatHex(got.getAkPublicDer().toByteArray()),
                    "the HPC's TPM quoted with another attestation key than at enrollment");
            return;
        }
        PublicKey ak;
        try {
            if (got.getAkPublicDer().size() > MAX_AK_BYTES) {
                throw new IllegalArgumentException("attestation key of " + got.getAkPublicDer().size() + " bytes");
            }
            ak = publicKey(got.getAkPublicDer().toByteArray());
        } catch (Exception e) {
            out.add("TPM", "tpm.quote.invalid", "an attestation key", "unreadable", "the HPC's TPM attestation key cannot be read: " + e.getMessage());
            return;
        }
        int n = Math.min(got.getPcrsCount(), 24);
        int[] pcrs = new int[n];
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pcrs[i] = got.getPcrs(i);
            values.add(i < got.getPcrValuesCount() ? got.getPcrValues(i).toByteArray() : new byte[0]);
        }
        QuoteExpectation expected = QuoteExpectation.of(nonce, pcrs);
        for (int i = 0; i < Math.min(ref.getPcrsCount(), ref.getPcrValuesCount()); i++) {
            expected = expected.withPcrValue(ref.getPcrs(i), ref.getPcrValues(i).toByteArray());
        }
        QuoteVerdict v;
        try {
            v = QuoteVerifier.verify(ak, new TpmQuote(got.getAttest().toByteArray(), got.getSignature().toByteArray(), pcrs, values), expected);
        } catch (RuntimeException e) { // TpmQuote refuses inconsistent shapes (a PCR listed twice, counts that differ)
            out.add("TPM", "tpm.quote.invalid", "a well-formed quote", e.getMessage(), "the HPC's TPM quote is malformed: " + e.getMessage());
            return;
        }
        for (QuoteFailure f : v.failures()) {
            String id = f.code() == QuoteFailure.Code.PCR_VALUE_MISMATCH ? "tpm.pcr.changed" : "tpm.quote.invalid";
            out.add("TPM", id, "", f.code().name(), "the HPC's TPM quote: " + f.message());
        }
    }
}
