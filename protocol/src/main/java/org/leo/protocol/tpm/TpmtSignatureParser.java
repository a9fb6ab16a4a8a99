package org.leo.protocol.tpm;

/**
 * Parses a marshalled TPMT_SIGNATURE from an untrusted peer. A pure function: throws only
 * {@link TpmFormatException}. ECDSA and RSASSA are understood; any other scheme is refused by name.
 */
public final class TpmtSignatureParser {
    /** An RSA-4096 signature (512 bytes) plus headers fits easily. */
    public static final int MAX_SIGNATURE_BYTES = 1024;
    /** TPM2B_ECC_PARAMETER: at most a P-521 scalar (66 bytes). */
    public static final int MAX_ECC_PARAMETER_BYTES = 66;
    /** TPM2B_PUBLIC_KEY_RSA: at most an RSA-4096 signature. */
    public static final int MAX_RSA_SIGNATURE_BYTES = 512;

    private static final String STRUCTURE = "TPMT_SIGNATURE";

    private TpmtSignatureParser() {
    }

    public static TpmtSignature parse(byte[] signature) throws TpmFormatException {
        if (signature.length > MAX_SIGNATURE_BYTES) {
            throw new TpmFormatException(STRUCTURE + " is " + signature.length + " bytes, more than the " + MAX_SIGNATURE_BYTES + " accepted");
        }
        TpmWireReader r = new TpmWireReader(STRUCTURE, signature);
        int sigAlg = r.u16("sigAlg");
        TpmtSignature parsed;
        switch (sigAlg) {
            case TpmAlgorithms.ECDSA -> {
                int hash = r.u16("hash");
                byte[] sigR = r.sized("signatureR", MAX_ECC_PARAMETER_BYTES);
                byte[] sigS = r.sized("signatureS", MAX_ECC_PARAMETER_BYTES);
                r.end("signatureS");
                parsed = new TpmtSignature.Ecdsa(hash, sigR, sigS);
            }
            case TpmAlgorithms.RSASSA -> {
                int hash = r.u16("hash");
                byte[] sig = r.sized("sig", MAX_RSA_SIGNATURE_BYTES);
                r.end("sig");
                parsed = new TpmtSignature.Rsassa(hash, sig);
            }
            default -> throw new TpmFormatException(STRUCTURE + " sigAlg is " + TpmAlgorithms.name(sigAlg)
                    + ", expected ecdsa (0x0018) or rsassa (0x0014)");
        }
        return parsed;
    }
}
