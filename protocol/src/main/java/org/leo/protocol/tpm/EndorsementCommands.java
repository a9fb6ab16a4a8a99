package org.leo.protocol.tpm;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RC;
import tss.tpm.TPM_RH;

/**
 * The TSS.Java command sequences behind {@link Tpm}'s endorsement-key methods, and the checks of
 * the credential arguments. Each runs inside {@link Tpm}'s lock and failure handling; none leaves
 * an object loaded (the caller flushes what {@link #createPrimary} returns).
 */
final class EndorsementCommands {
    /** EK certificates are 1-2 KiB; the TCG NV indices for them are at most a few KiB. */
    static final int MAX_CERTIFICATE_BYTES = 8192;
    /** TPM2B_ENCRYPTED_SECRET holds at most an RSA-4096 ciphertext. */
    static final int MAX_SECRET_BYTES = 512;
    /** TPM2B_ID_OBJECT: integrityHMAC (2 + 64) and encIdentity (an encrypted TPM2B_DIGEST: 2 + 64). */
    static final int MAX_ID_OBJECT_BYTES = 132;

    private EndorsementCommands() {
    }

    static byte[] readCertificate(tss.Tpm tpm, EkType type) throws TpmException {
        TPM_HANDLE index = TPM_HANDLE.from(type.certificateIndex());
        // An undefined index is an answer, not a failure: errors are allowed for this command, so TSS.Java neither prints
        // "TPM ERROR" on standard output nor throws (its _expectResponses(SUCCESS, HANDLE) would refuse a success).
        NV_ReadPublicResponse pub = tpm._allowErrors().NV_ReadPublic(index);
        TPM_RC rc = tpm._getLastResponseCode();
        if (rc == TPM_RC.HANDLE) {
            throw new TpmException("the TPM has no such NV index (TPM_RC_HANDLE): its manufacturer stored no certificate there");
        }
        if (rc != TPM_RC.SUCCESS) {
            throw new TpmException("TPM2_NV_ReadPublic answered " + rc);
        }
        int size = pub.nvPublic.dataSize;
        if (size <= 0 || size > MAX_CERTIFICATE_BYTES) {
            throw new TpmException("the index holds " + size + " bytes, expected 1.." + MAX_CERTIFICATE_BYTES);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        while (out.size() < size) {
            int chunk = Math.min(Tpm.NV_CHUNK_BYTES, size - out.size());
            byte[] data = tpm.NV_Read(index, index, chunk, out.size());
            if (data.length != chunk) {
                throw new TpmException("TPM2_NV_Read at offset " + out.size() + " returned " + data.length + " bytes, expected " + chunk);
            }
            out.writeBytes(data);
        }
        return derPrefix(out.toByteArray());
    }

    static CreatePrimaryResponse createPrimary(tss.Tpm tpm, EkType type) {
        return tpm.CreatePrimary(TPM_HANDLE.from(TPM_RH.ENDORSEMENT), new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                EndorsementKeyTemplate.template(type), new byte[0], new TPMS_PCR_SELECTION[0]);
    }

    /** The EK's marshalled TPMT_PUBLIC: created from the template and flushed again. */
    static byte[] publicArea(tss.Tpm tpm, EkType type) {
        CreatePrimaryResponse ek = createPrimary(tpm, type);
        tpm.FlushContext(ek.handle);
        return ek.outPublic.toBytes();
    }

    static EndorsementKey endorsementKey(tss.Tpm tpm, EkType type, byte[] certificate) throws TpmException {
        byte[] publicArea = publicArea(tpm, type);
        PublicKey key;
        try {
            key = EkPublic.parse(publicArea).publicKey();
        } catch (TpmFormatException e) {
            throw new TpmException("the TPM's " + type + " does not parse: " + e.getMessage());
        }
        PublicKey certified = certificateKey(type, certificate);
        if (!PublicKeys.same(key, certified)) {
            throw new TpmException("the " + type + " certificate in NV index " + String.format("0x%08x", type.certificateIndex())
                    + " is for " + PublicKeys.describe(certified) + ", but the TPM's " + type + " is " + PublicKeys.describe(key));
        }
        return new EndorsementKey(type, publicArea, key, certificate);
    }

    private static PublicKey certificateKey(EkType type, byte[] der) throws TpmException {
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            return cert.getPublicKey();
        } catch (CertificateException | RuntimeException e) {
            throw new TpmException("the " + type + " certificate in NV is not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** The DER SEQUENCE at the start of {@code nv}, without the padding some TPMs keep after it. */
    static byte[] derPrefix(byte[] nv) throws TpmException {
        if (nv.length < 2 || nv[0] != 0x30) {
            throw new TpmException("the index does not hold a DER certificate (it starts with "
                    + (nv.length == 0 ? "nothing" : String.format("0x%02x", nv[0])) + ")");
        }
        int first = nv[1] & 0xFF;
        long length;
        int header;
        if (first < 0x80) {
            length = first;
            header = 2;
        } else {
            int n = first & 0x7F;
            if (n == 0 || n > 3 || nv.length < 2 + n) {
                throw new TpmException("the index does not hold a DER certificate (length field 0x" + Integer.toHexString(first) + ")");
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (nv[2 + i] & 0xFF);
            }
            header = 2 + n;
        }
        if (header + length > nv.length) {
            throw new TpmException("the certificate in the index declares " + (header + length) + " bytes, but the index holds " + nv.length);
        }
        return Arrays.copyOf(nv, (int) (header + length));
    }

    /**
     * TPM2_ActivateCredential on a {@code tpm} whose sessions are set; a refusal by the TPM becomes a
     * sentence naming its response code. TPM_RC_INTEGRITY: the credential's HMAC does not match,
     * so it was made for another Name (or its seed for another EK); a seed protected to another
     * TPM's EK fails to decrypt, which libtpms (swtpm) reports as TPM_RC_FAILURE and the reference
     * implementation as TPM_RC_VALUE.
     */
    static byte[] activate(tss.Tpm tpm, TPM_HANDLE ak, TPM_HANDLE ek, TPMS_ID_OBJECT idObject, byte[] secret)
            throws TpmException {
        try {
            return tpm.ActivateCredential(ak, ek, idObject, secret);
        } catch (tss.TpmException e) {
            if (e.ResponseCode == null) {
                throw e;
            }
            String rc = "TPM_RC_" + e.ResponseCode.name();
            String why = switch (e.ResponseCode.name()) {
                case "INTEGRITY" -> ": it was made for another attestation key or another TPM";
                case "VALUE", "FAILURE", "ECC_POINT", "SIZE" -> ": its secret does not decrypt with this TPM's endorsement key";
                default -> "";
            };
            throw new TpmException("the TPM refused the credential with " + rc + why, e);
        }
    }

    /** TPM2B_ID_OBJECT (size || TPM2B_DIGEST integrityHMAC || encIdentity) as TSS.Java's TPMS_ID_OBJECT. */
    static TPMS_ID_OBJECT idObject(byte[] credentialBlob) {
        try {
            byte[] body = sizedWhole("TPM2B_ID_OBJECT", credentialBlob, MAX_ID_OBJECT_BYTES);
            TpmWireReader r = new TpmWireReader("TPM2B_ID_OBJECT", body);
            byte[] integrity = r.sized("integrityHMAC", TpmPublic.digestLength(TpmPublic.SHA512));
            byte[] encIdentity = r.bytes("encIdentity", body.length - 2 - integrity.length);
            r.end("encIdentity");
            return new TPMS_ID_OBJECT(integrity, encIdentity);
        } catch (TpmFormatException e) {
            throw new IllegalArgumentException("credentialBlob: " + e.getMessage());
        }
    }

    /** The ciphertext inside a TPM2B_ENCRYPTED_SECRET. */
    static byte[] encryptedSecret(byte[] secret) {
        try {
            return sizedWhole("TPM2B_ENCRYPTED_SECRET", secret, MAX_SECRET_BYTES);
        } catch (TpmFormatException e) {
            throw new IllegalArgumentException("secret: " + e.getMessage());
        }
    }

    private static byte[] sizedWhole(String structure, byte[] bytes, int max) throws TpmFormatException {
        TpmWireReader r = new TpmWireReader(structure, bytes);
        byte[] body = r.sized("buffer", max);
        r.end("buffer");
        return body;
    }
}
