package org.leo.protocol.tpm;

import java.util.Arrays;
import java.util.HexFormat;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.TPMS_ENC_SCHEME_OAEP;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * The TSS.Java command sequences behind {@link Tpm#wrapKeyPublic()} and {@link Tpm#unwrap}. Each
 * runs inside {@link Tpm}'s lock and failure handling; the caller flushes what
 * {@link #createPrimary} returns.
 */
final class WrapKeyCommands {
    /** The objectAttributes the TPM must report for {@link WrapKeyTemplate#template()}. */
    static final long ATTRIBUTES = TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT | TpmPublic.SENSITIVE_DATA_ORIGIN
            | TpmPublic.USER_WITH_AUTH | TpmPublic.DECRYPT;
    static final int OAEP = 0x0017;

    private WrapKeyCommands() {
    }

    static CreatePrimaryResponse createPrimary(tss.Tpm tpm) {
        return tpm.CreatePrimary(TPM_HANDLE.from(TPM_RH.OWNER), new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                WrapKeyTemplate.template(), new byte[0], new TPMS_PCR_SELECTION[0]);
    }

    /**
     * The key the TPM created, after checking that it is the one the template asks for (parsed with
     * our own bounds-checked parser, not TSS.Java's) and that the TPM's name for it is the hash of
     * its public area.
     */
    static WrapKey toWrapKey(CreatePrimaryResponse created) throws TpmException {
        WrapKey key;
        try {
            key = WrapKeyTemplate.parse(created.outPublic.toBytes());
        } catch (TpmFormatException e) {
            throw new TpmException("the TPM returned another key than the wrap key template asks for: " + e.getMessage(), e);
        }
        if (!Arrays.equals(created.name, key.name())) {
            throw new TpmException("the TPM names its wrap key " + HexFormat.of().formatHex(created.name)
                    + ", but its public area hashes to " + HexFormat.of().formatHex(key.name()));
        }
        return key;
    }

    /**
     * TPM2_RSA_Decrypt of {@code ciphertext} (already {@link WrapKey#WRAPPED_BYTES} long) with the
     * wrap key at {@code key}, OAEP-SHA-256 and the label with its zero byte. A refusal by the TPM
     * becomes a sentence: OAEP decoding fails alike for a key wrapped to another TPM, for another
     * label, and for altered bytes, and the TPM cannot tell them apart, so neither can we. The
     * reference implementation reports that as TPM_RC_VALUE; libtpms (swtpm), which decrypts with
     * OpenSSL, as TPM_RC_FAILURE, and stays usable afterwards.
     */
    static byte[] decrypt(tss.Tpm tpm, CreatePrimaryResponse key, byte[] ciphertext) throws TpmException {
        WrapKey wrapKey = toWrapKey(key);
        try {
            return tpm.RSA_Decrypt(key.handle, ciphertext, new TPMS_ENC_SCHEME_OAEP(TPM_ALG_ID.SHA256), WrapKey.tpmLabel());
        } catch (tss.TpmException e) {
            if (e.ResponseCode == null) {
                throw e;
            }
            String rc = "TPM_RC_" + e.ResponseCode.name();
            String why = switch (e.ResponseCode.name()) {
                case "VALUE", "FAILURE", "SIZE" -> ": it was not wrapped to this TPM's wrap key (" + wrapKey.fingerprint().substring(0, 16)
                        + ") with label \"" + WrapKey.LABEL + "\", or it was altered";
                default -> "";
            };
            throw new TpmException("the TPM refused to unwrap the key with " + rc + why, e);
        }
    }
}
