package org.leo.attest.tpm;

import java.security.MessageDigest;
import java.security.PublicKey;
import org.leo.attest.log.AttestationLog;
import org.leo.protocol.tpm.AttestationKey;
import org.leo.protocol.tpm.QuoteExpectation;
import org.leo.protocol.tpm.QuoteVerdict;
import org.leo.protocol.tpm.QuoteVerifier;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;
import org.leo.boot.manifest.Sha256;

/**
 * Signs the attestation log's head with the Pi's TPM. A restricted attestation key signs only what
 * the TPM itself attests, so the head reaches the signature through a PCR: for each quote, PCR 23
 * (resettable at locality 0, reserved for applications) is reset and extended with the head hash,
 * then quoted with the verifier's nonce. A verifier checks the quote's signature with the Pi's AK,
 * its nonce, and that the PCR equals SHA-256(32 zero bytes || head), then that the head is the hash of
 * the log it was given (docs/trust-model.md says what this proves and what it does not).
 */
public final class LogHeadQuoter {
    /** PCR 23: application use, resettable from locality 0 (TCG PC Client Platform TPM Profile). */
    public static final int PCR = 23;

    private final Tpm tpm;
    private final AttestationLog log;
    private final AttestationKey ak;

    public LogHeadQuoter(Tpm tpm, AttestationLog log) throws TpmException {
        this.tpm = tpm;
        this.log = log;
        this.ak = tpm.attestationKey();
    }

    public AttestationKey attestationKey() {
        return ak;
    }

    /** Quotes the current log head with {@code nonce} (at most 64 bytes). */
    public HeadQuote quote(byte[] nonce) throws TpmException {
        synchronized (tpm) {
            // One read of the head: its seq and hash belong together.
            var head = log.head();
            long seq = head.map(h -> h.seq()).orElse(0L);
            byte[] hash = head.map(h -> h.hash()).orElse(new byte[32]);
            tpm.pcrReset(PCR);
            tpm.pcrExtend(PCR, hash);
            return new HeadQuote(seq, hash, tpm.quote(nonce, PCR), ak.pem());
        }
    }

    /** The PCR value a quote over {@code headHash} must show. */
    public static byte[] expectedPcr(byte[] headHash) {
        MessageDigest md = Sha256.newDigest();
        md.update(new byte[32]);
        md.update(headHash);
        return md.digest();
    }

    /** What a remote verifier does with a {@link HeadQuote}: signature, nonce and PCR = extend(0, head). */
    public static QuoteVerdict verify(PublicKey ak, HeadQuote q, byte[] nonce) {
        return QuoteVerifier.verify(ak, q.quote(), QuoteExpectation.of(nonce, PCR).withPcrValue(PCR, expectedPcr(q.headHash())));
    }
}
