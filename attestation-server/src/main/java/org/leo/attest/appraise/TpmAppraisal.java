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
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmQuote;

/**
 * The HPC's own TPM quote: verified with JCA against the attestation key of the golden's quote,
 * with the challenge nonce, over exactly the PCRs the challenge asked for (never the selection the
 * answer names), and with the golden's PCR values as the expected ones. Without a golden quote
 * there is nothing to trust a key by, so a quote is then a finding, not a first use.
 */
final class TpmAppraisal {
    /** A DER SubjectPublicKeyInfo of a P-256 or RSA-2048 key is well under this. */
    static final int MAX_AK_BYTES = 1024;

    private TpmAppraisal() {
    }

    /** An ECC or RSA SubjectPublicKeyInfo: the algorithm is the one its own identifier names. */
    static PublicKey publicKey(byte[] der) throws java.security.GeneralSecurityException {
        String oid;
        try {
            oid = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(der).getAlgorithm().getAlgorithm().getId();
        } catch (RuntimeException e) {
            throw new java.security.GeneralSecurityException("not a SubjectPublicKeyInfo: " + e.getMessage());
        }
        String algorithm = switch (oid) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            default -> throw new java.security.GeneralSecurityException("unsupported key algorithm " + oid);
        };
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
    }

    /** The attestation key a quote result names, bounded. */
    static PublicKey attestationKey(TpmQuoteResult q) throws java.security.GeneralSecurityException {
        if (q.getAkPublicDer().size() > MAX_AK_BYTES) {
            throw new java.security.GeneralSecurityException("an attestation key of " + q.getAkPublicDer().size() + " bytes, at most " + MAX_AK_BYTES);
        }
        return publicKey(q.getAkPublicDer().toByteArray());
    }

    static void appraise(List<Integer> asked, TpmQuoteResult got, byte[] nonce, Golden golden, Findings out) {
        if (golden.tpmQuote().isEmpty()) {
            out.add("TPM", "tpm.quote.invalid", "a baseline quote", "none",
                    "the HPC's TPM was quoted, but its baseline holds no quote to take the attestation key from");
            return;
        }
        TpmQuoteResult ref = golden.tpmQuote().get();
        HexFormat hex = HexFormat.of();
        if (!ref.getAkPublicDer().equals(got.getAkPublicDer())) {
            out.add("TPM", "tpm.ak.changed", hex.formatHex(ref.getAkPublicDer().toByteArray()), hex.formatHex(got.getAkPublicDer().toByteArray()),
                    "the HPC's TPM quoted with another attestation key than at enrollment");
            return;
        }
        PublicKey ak;
        try {
            ak = attestationKey(ref);
        } catch (Exception e) {
            out.add("TPM", "tpm.quote.invalid", "an attestation key", "unreadable", "the HPC's TPM attestation key cannot be read: " + e.getMessage());
            return;
        }
        verify(ak, got, nonce, asked, ref, out);
    }

    /**
     * Verifies {@code got} under {@code ak} with {@code nonce} over the PCRs {@code asked}; with a
     * {@code reference}, its values for those PCRs are the expected ones.
     */
    static void verify(PublicKey ak, TpmQuoteResult got, byte[] nonce, List<Integer> asked, TpmQuoteResult reference, Findings out) {
        if (asked.isEmpty() || asked.size() > Tpm.PCR_COUNT || !got.getPcrsList().equals(asked) || got.getPcrValuesCount() != asked.size()) {
            out.add("TPM", "tpm.quote.invalid", "PCRs " + asked, "PCRs " + got.getPcrsList().subList(0, Math.min(Tpm.PCR_COUNT, got.getPcrsCount()))
                    + " with " + got.getPcrValuesCount() + " values", "the HPC's TPM quote does not cover exactly the PCRs asked for, " + asked);
            return;
        }
        int[] pcrs = asked.stream().mapToInt(Integer::intValue).toArray();
        List<byte[]> values = new ArrayList<>();
        got.getPcrValuesList().forEach(v -> values.add(v.toByteArray()));
        QuoteExpectation expected;
        QuoteVerdict v;
        try {
            expected = QuoteExpectation.of(nonce, pcrs);
            if (reference != null) {
                for (int i = 0; i < Math.min(reference.getPcrsCount(), reference.getPcrValuesCount()); i++) {
                    if (asked.contains(reference.getPcrs(i))) {
                        expected = expected.withPcrValue(reference.getPcrs(i), reference.getPcrValues(i).toByteArray());
                    }
                }
            }
            v = QuoteVerifier.verify(ak, new TpmQuote(got.getAttest().toByteArray(), got.getSignature().toByteArray(), pcrs, values), expected);
        } catch (RuntimeException e) { // inconsistent shapes: a PCR listed twice, a value of the wrong length
            out.add("TPM", "tpm.quote.invalid", "a well-formed quote", String.valueOf(e.getMessage()), "the HPC's TPM quote is malformed: " + e.getMessage());
            return;
        }
        for (QuoteFailure f : v.failures()) {
            String id = f.code() == QuoteFailure.Code.PCR_VALUE_MISMATCH ? "tpm.pcr.changed" : "tpm.quote.invalid";
            out.add("TPM", id, "", f.code().name(), "the HPC's TPM quote: " + f.message());
        }
    }
}
