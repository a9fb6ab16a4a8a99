package org.leo.protocol.tpm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.leo.protocol.tpm.ChannelTpmDevice.ChannelFailure;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.PCR_ReadResponse;
import tss.tpm.QuoteResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_HA;
import tss.tpm.TPMT_SIGNATURE;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;
import tss.tpm.TPM_SE;

/**
 * One connection to a TPM 2.0 (the Pi's {@code /dev/tpmrm0}, or swtpm in tests): the attestation
 * key, the sha256 PCR bank and quotes over it, the endorsement keys, and the wrap key that
 * protects capsule keys at rest. TSS.Java marshals the commands; the bytes move over a
 * {@link TpmChannel} with a read timeout and clear failures.
 *
 * <p>Thread-safe: every method holds this object's lock for its whole command sequence. Every
 * transient object created here is flushed before the method returns (swtpm has three transient
 * slots and no resource manager), so the attestation key is re-created from its template for each
 * use; for an ECC primary key that is one fast derivation. The RSA wrap key is re-derived the same
 * way for each unwrap, which on a hardware TPM is a prime search that can take seconds
 * (docs/key-release.md). No TPM power or platform commands are ever sent. After a transport
 * failure (timeout, closed connection, unparseable response) the command stream may be out of
 * step, so every later call fails with a {@link TpmException} that names the first failure; open
 * a new {@code Tpm} to continue.
 */
public final class Tpm implements AutoCloseable {
    /** PC Client TPMs have 24 PCRs per bank. */
    public static final int PCR_COUNT = 24;
    /** A sha256-bank PCR value or extend digest. */
    public static final int SHA256_BYTES = 32;
    /** Largest quote nonce: a SHA-512 digest; TPM2B_DATA holds at most a TPMT_HA. */
    public static final int MAX_NONCE_BYTES = 64;
    /** {@link #random} hands out at most this much per call. */
    public static final int MAX_RANDOM_BYTES = 1024;
    /** Read timeout of {@link #open(TpmEndpoint)}: well above the slowest TPM command we send. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** A quote is retried this often when a PCR changes between the quote and reading the values. */
    static final int QUOTE_ATTEMPTS = 3;
    /** PCR selection bitmaps are 3 bytes (PCR_SELECT_MIN for 24 PCRs, required by the reference TPM). */
    static final int PCR_SELECT_BYTES = 3;

    /** TPM2_NV_Read chunk: within every TPM's TPM_PT_NV_BUFFER_MAX (swtpm: 1024; PC Client TPMs: at least 512). */
    static final int NV_CHUNK_BYTES = 512;
    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    private final tss.Tpm tpm;
    private final TpmChannel channel;
    private String brokenBy;
    private boolean closed;

    private Tpm(TpmChannel channel) {
        this.channel = channel;
        this.tpm = new tss.Tpm();
        this.tpm._setDevice(new ChannelTpmDevice(channel));
    }

    /** Opens the TPM at {@code endpoint} with {@link #DEFAULT_TIMEOUT}. */
    public static Tpm open(TpmEndpoint endpoint) throws TpmException {
        return open(endpoint, DEFAULT_TIMEOUT);
    }

    /** Opens the TPM at {@code endpoint}; for swtpm, connects and reads wait at most {@code timeout}. */
    public static Tpm open(TpmEndpoint endpoint, Duration timeout) throws TpmException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(timeout, "timeout");
        try {
            if (endpoint instanceof TpmEndpoint.Swtpm s) {
                return new Tpm(TcpTpmChannel.connect(s.toString(), s.host(), s.port(), timeout));
            }
            return new Tpm(DeviceTpmChannel.open(((TpmEndpoint.Device) endpoint).path()));
        } catch (IOException e) {
            throw new TpmException(e.getMessage(), e);
        }
    }

    /** A TPM behind any channel (the test seam; also for a TPM reached some other way). */
    public static Tpm over(TpmChannel channel) {
        return new Tpm(Objects.requireNonNull(channel, "channel"));
    }

    /**
     * Derives the attestation key (TPM2_CreatePrimary in the owner hierarchy from
     * {@link AttestationKeyTemplate#template()}), checks the name the TPM reports against the public
     * area, and flushes it again.
     */
    public synchronized AttestationKey attestationKey() throws TpmException {
        return call("TPM2_CreatePrimary", () -> {
            CreatePrimaryResponse created = createAttestationKey();
            flush(created.handle);
            return toAttestationKey(created);
        });
    }

    /** TPM2_PCR_Extend of the sha256 bank only: {@code pcr := SHA-256(pcr || digest)}. */
    public synchronized void pcrExtend(int pcr, byte[] sha256) throws TpmException {
        checkPcr(pcr);
        if (sha256.length != SHA256_BYTES) {
            throw new IllegalArgumentException("extend digest: expected " + SHA256_BYTES + " bytes, got " + sha256.length);
        }
        byte[] digest = sha256.clone();
        call("TPM2_PCR_Extend(" + pcr + ")", () -> {
            tpm.PCR_Extend(TPM_HANDLE.pcr(pcr), new TPMT_HA[] {new TPMT_HA(TPM_ALG_ID.SHA256, digest)});
            return null;
        });
    }

    /** TPM2_PCR_Reset: all banks of {@code pcr} to zero (at locality 0 only PCR 16 and 23 allow it). */
    public synchronized void pcrReset(int pcr) throws TpmException {
        checkPcr(pcr);
        call("TPM2_PCR_Reset(" + pcr + ")", () -> {
            tpm.PCR_Reset(TPM_HANDLE.pcr(pcr));
            return null;
        });
    }

    /** The sha256-bank value of {@code pcr}. */
    public synchronized byte[] pcrRead(int pcr) throws TpmException {
        checkPcr(pcr);
        return call("TPM2_PCR_Read(" + pcr + ")", () -> readPcr(pcr));
    }

    /**
     * TPM2_Quote with the attestation key over the sha256-bank {@code pcrs}, qualified by
     * {@code nonce}, together with the values of those PCRs. The values are read after the quote and
     * must hash to its pcrDigest (else a PCR moved in between and the quote is taken again, at most
     * {@link #QUOTE_ATTEMPTS} times); the result is verified with {@link QuoteVerifier} before it is
     * returned, so it is exactly what a remote verifier will accept.
     *
     * @param pcrs distinct PCR numbers 0..23 in any order; the quote lists them ascending
     */
    public synchronized TpmQuote quote(byte[] nonce, int... pcrs) throws TpmException {
        if (nonce.length > MAX_NONCE_BYTES) {
            throw new IllegalArgumentException("nonce: expected at most " + MAX_NONCE_BYTES + " bytes, got " + nonce.length);
        }
        int[] sorted = sortedPcrs(pcrs);
        byte[] qualifying = nonce.clone();
        QuoteExpectation expected = QuoteExpectation.of(qualifying, sorted);
        return call("TPM2_Quote" + Arrays.toString(sorted), () -> {
            String last = null;
            for (int attempt = 0; attempt < QUOTE_ATTEMPTS; attempt++) {
                CreatePrimaryResponse ak = createAttestationKey();
                QuoteResponse response;
                try {
                    response = tpm.Quote(ak.handle, qualifying, new TPMS_NULL_SIG_SCHEME(),
                            new TPMS_PCR_SELECTION[] {sha256Selection(sorted)});
                } finally {
                    flush(ak.handle);
                }
                List<byte[]> values = new ArrayList<>(sorted.length);
                for (int pcr : sorted) {
                    values.add(readPcr(pcr));
                }
                TpmQuote quote = new TpmQuote(response.quoted.toBytes(), new TPMT_SIGNATURE(response.signature).toBytes(),
                        sorted, values);
                PublicKey key = AttestationKeyTemplate.toJca(ak.outPublic);
                QuoteVerdict verdict = QuoteVerifier.verify(key, quote, expected);
                if (verdict.ok()) {
                    return quote;
                }
                if (!verdict.failures().stream().allMatch(f -> f.code() == QuoteFailure.Code.PCR_DIGEST_MISMATCH)) {
                    throw new TpmException("the TPM's own quote does not verify: " + verdict.summary());
                }
                last = verdict.summary();
            }
            throw new TpmException("the PCRs changed between quote and read " + QUOTE_ATTEMPTS + " times in a row: " + last);
        });
    }

    /** {@code n} bytes from the TPM's random number generator (TPM2_GetRandom, repeated as needed). */
    public synchronized byte[] random(int n) throws TpmException {
        if (n < 0 || n > MAX_RANDOM_BYTES) {
            throw new IllegalArgumentException("random: expected 0.." + MAX_RANDOM_BYTES + " bytes, got " + n);
        }
        return call("TPM2_GetRandom", () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(n);
            while (out.size() < n) {
                byte[] chunk = tpm.GetRandom(Math.min(SHA256_BYTES, n - out.size()));
                if (chunk.length == 0) {
                    throw new TpmException("TPM2_GetRandom returned no bytes");
                }
                out.write(chunk, 0, Math.min(chunk.length, n - out.size()));
            }
            return out.toByteArray();
        });
    }

    /**
     * The manufacturer's certificate for the {@code type} EK: TPM2_NV_ReadPublic of
     * {@link EkType#certificateIndex()}, then TPM2_NV_Read in chunks of {@link #NV_CHUNK_BYTES}
     * (authorized by the index itself: EK certificate indices are AUTHREAD with an empty authValue,
     * TCG PC Client Platform TPM Profile). Bytes after the DER certificate (NV padding) are dropped.
     */
    public synchronized byte[] ekCertificate(EkType type) throws TpmException {
        Objects.requireNonNull(type, "type");
        return call(String.format("reading the %s certificate from NV index 0x%08x", type, type.certificateIndex()),
                () -> EndorsementCommands.readCertificate(tpm, type));
    }

    /**
     * The {@code type} endorsement key (TPM2_CreatePrimary in the endorsement hierarchy from the TCG
     * template, flushed again) with its certificate from NV; fails unless the certificate's public
     * key is exactly the key the TPM derived. The certificate chain is not checked here: that is
     * the verifier's job ({@link EkCertificateVerifier}).
     */
    public synchronized EndorsementKey endorsementKey(EkType type) throws TpmException {
        Objects.requireNonNull(type, "type");
        byte[] certificate = ekCertificate(type);
        return call("TPM2_CreatePrimary(" + type + ")", () -> EndorsementCommands.endorsementKey(tpm, type, certificate));
    }

    /**
     * The {@code type} EK's public area (TPMT_PUBLIC; TPM2_CreatePrimary from the TCG template, flushed
     * again), without its certificate: for a TPM whose manufacturer stored none, or to compare.
     */
    public synchronized byte[] ekPublicArea(EkType type) throws TpmException {
        Objects.requireNonNull(type, "type");
        return call("TPM2_CreatePrimary(" + type + ")", () -> EndorsementCommands.publicArea(tpm, type));
    }

    /**
     * TPM2_ActivateCredential (TPM 2.0 Part 3, 12.5): recovers the credential a verifier protected
     * with {@link CredentialProtection} to this TPM's {@code type} EK for the attestation key's
     * Name. The attestation key (activateHandle, ADMIN role: its empty password) and the EK
     * (keyHandle, USER role: a policy session with PolicySecret(TPM_RH_ENDORSEMENT) for the L
     * templates) are derived for the command and flushed with the session afterwards. The TPM
     * refuses with TPM_RC_INTEGRITY when the credential was made for another Name or another TPM's
     * EK.
     *
     * @param credentialBlob TPM2B_ID_OBJECT with its size field ({@link ProtectedCredential#credentialBlob()})
     * @param secret         TPM2B_ENCRYPTED_SECRET with its size field ({@link ProtectedCredential#secret()})
     * @throws IllegalArgumentException if either is not the structure it should be (nothing is sent)
     */
    public synchronized byte[] activateCredential(EkType type, byte[] credentialBlob, byte[] secret) throws TpmException {
        Objects.requireNonNull(type, "type");
        TPMS_ID_OBJECT idObject = EndorsementCommands.idObject(credentialBlob);
        byte[] encryptedSecret = EndorsementCommands.encryptedSecret(secret);
        return call("TPM2_ActivateCredential(" + type + ")", () -> {
            CreatePrimaryResponse ak = createAttestationKey();
            return flushing(ak.handle, () -> {
                CreatePrimaryResponse ek = EndorsementCommands.createPrimary(tpm, type);
                return flushing(ek.handle, () -> {
                    if (!type.policySession()) {
                        return EndorsementCommands.activate(tpm._withSessions(TPM_HANDLE.pwSession(new byte[0]),
                                TPM_HANDLE.pwSession(new byte[0])), ak.handle, ek.handle, idObject, encryptedSecret);
                    }
                    StartAuthSessionResponse session = tpm.StartAuthSession(TPM_HANDLE.from(TPM_RH.NULL),
                            TPM_HANDLE.from(TPM_RH.NULL), randomNonce(), new byte[0], TPM_SE.POLICY,
                            new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL), TPM_ALG_ID.SHA256);
                    return flushing(session.handle, () -> {
                        tpm.PolicySecret(TPM_HANDLE.from(TPM_RH.ENDORSEMENT), session.handle, new byte[0], new byte[0],
                                new byte[0], 0);
                        return EndorsementCommands.activate(tpm._withSessions(TPM_HANDLE.pwSession(new byte[0]), session.handle),
                                ak.handle, ek.handle, idObject, encryptedSecret);
                    });
                });
            });
        });
    }

    /**
     * The public half of the wrap key, which protects capsule keys at rest on the owner's Pi
     * (TPM2_CreatePrimary in the owner hierarchy from {@link WrapKeyTemplate}, checked and flushed
     * again). The same TPM gives the same key after every restart, until its owner hierarchy is
     * cleared. Wrap with {@link WrapKey#wrap}: no TPM needed for that.
     */
    public synchronized WrapKey wrapKeyPublic() throws TpmException {
        return call("TPM2_CreatePrimary(wrap key)", () -> {
            CreatePrimaryResponse key = WrapKeyCommands.createPrimary(tpm);
            flush(key.handle);
            return WrapKeyCommands.toWrapKey(key);
        });
    }

    /**
     * Unwraps a key that {@link WrapKey#wrap} wrapped to this TPM's wrap key: TPM2_RSA_Decrypt with
     * RSAES-OAEP-SHA-256 and label {@link WrapKey#LABEL} (the key is re-created for the command and
     * flushed afterwards). A key wrapped to another TPM, or altered, is refused by the TPM: a
     * {@link TpmException} that says so, after which this connection still works.
     *
     * @param wrapped exactly {@link WrapKey#WRAPPED_BYTES} bytes
     * @throws IllegalArgumentException if it is not (nothing is sent)
     */
    public synchronized byte[] unwrap(byte[] wrapped) throws TpmException {
        byte[] ciphertext = WrapKey.checkWrapped(wrapped);
        return call("TPM2_RSA_Decrypt(wrap key)", () -> {
            CreatePrimaryResponse key = WrapKeyCommands.createPrimary(tpm);
            return flushing(key.handle, () -> WrapKeyCommands.decrypt(tpm, key, ciphertext));
        });
    }

    /** Where this TPM is ("swtpm:127.0.0.1:2321", "device:/dev/tpmrm0"). */
    public String describe() {
        return channel.describe();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    private CreatePrimaryResponse createAttestationKey() {
        return tpm.CreatePrimary(TPM_HANDLE.from(TPM_RH.OWNER), new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                AttestationKeyTemplate.template(), new byte[0], new TPMS_PCR_SELECTION[0]);
    }

    private void flush(TPM_HANDLE handle) {
        tpm.FlushContext(handle);
    }

    /** Runs {@code commands}, then flushes {@code handle}; a failed flush after a failure is kept as suppressed. */
    private <T> T flushing(TPM_HANDLE handle, Commands<T> commands) throws TpmException {
        T result;
        try {
            result = commands.run();
        } catch (TpmException | RuntimeException e) {
            try {
                flush(handle);
            } catch (RuntimeException f) {
                e.addSuppressed(f);
            }
            throw e;
        }
        flush(handle);
        return result;
    }

    /** nonceCaller of a SHA-256 session: 32 bytes (Part 3, 11.1: at least 16, at most the digest size). */
    private static byte[] randomNonce() {
        byte[] nonce = new byte[SHA256_BYTES];
        NONCES.nextBytes(nonce);
        return nonce;
    }

    private AttestationKey toAttestationKey(CreatePrimaryResponse created) throws TpmException {
        byte[] publicArea = created.outPublic.toBytes();
        byte[] expectedName = new byte[2 + SHA256_BYTES];
        expectedName[0] = 0x00;
        expectedName[1] = 0x0B;
        System.arraycopy(sha256(publicArea), 0, expectedName, 2, SHA256_BYTES);
        if (!Arrays.equals(created.name, expectedName)) {
            throw new TpmException("the TPM names its attestation key " + HexFormat.of().formatHex(created.name)
                    + ", but its public area hashes to " + HexFormat.of().formatHex(expectedName));
        }
        return new AttestationKey(AttestationKeyTemplate.toJca(created.outPublic), created.name, publicArea);
    }

    private byte[] readPcr(int pcr) throws TpmException {
        PCR_ReadResponse r = tpm.PCR_Read(new TPMS_PCR_SELECTION[] {sha256Selection(new int[] {pcr})});
        if (r.pcrValues.length != 1 || r.pcrValues[0].buffer.length != SHA256_BYTES) {
            throw new TpmException("the TPM returned " + r.pcrValues.length + " values for sha256 PCR " + pcr
                    + ", expected one of " + SHA256_BYTES + " bytes (is the sha256 bank allocated?)");
        }
        return r.pcrValues[0].buffer;
    }

    private static TPMS_PCR_SELECTION sha256Selection(int[] pcrs) {
        byte[] bitmap = new byte[PCR_SELECT_BYTES];
        for (int pcr : pcrs) {
            bitmap[pcr / 8] |= (byte) (1 << (pcr % 8));
        }
        return new TPMS_PCR_SELECTION(TPM_ALG_ID.SHA256, bitmap);
    }

    private static int[] sortedPcrs(int[] pcrs) {
        if (pcrs.length == 0) {
            throw new IllegalArgumentException("a quote needs at least one PCR");
        }
        int[] sorted = pcrs.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            checkPcr(sorted[i]);
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("PCR " + sorted[i] + " is listed twice");
            }
        }
        return sorted;
    }

    private static void checkPcr(int pcr) {
        if (pcr < 0 || pcr >= PCR_COUNT) {
            throw new IllegalArgumentException("PCR " + pcr + " is outside 0.." + (PCR_COUNT - 1));
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A command sequence run against TSS.Java. */
    interface Commands<T> {
        T run() throws TpmException;
    }

    private <T> T call(String command, Commands<T> commands) throws TpmException {
        if (closed) {
            throw new IllegalStateException("the connection to the TPM at " + channel.describe() + " is closed");
        }
        if (brokenBy != null) {
            throw new TpmException(command + " not sent: the connection to the TPM at " + channel.describe()
                    + " failed earlier (" + brokenBy + ")");
        }
        try {
            return commands.run();
        } catch (TpmException e) {
            throw new TpmException(command + " failed at " + channel.describe() + ": " + e.getMessage(), e);
        } catch (tss.TpmException e) {
            ChannelFailure transport = channelFailure(e);
            if (transport != null) {
                throw broken(command, transport.getCause().getMessage(), transport.getCause());
            }
            throw new TpmException(command + " failed at " + channel.describe() + ": " + e.getMessage(), e);
        } catch (ChannelFailure e) {
            throw broken(command, e.getCause().getMessage(), e.getCause());
        } catch (RuntimeException e) {
            // TSS.Java throws IndexOutOfBounds and friends on responses it cannot unmarshal
            throw broken(command, "its response does not parse: " + e, e);
        }
    }

    private TpmException broken(String command, String why, Throwable cause) {
        brokenBy = why;
        channel.close();
        return new TpmException(command + " failed: " + why, cause);
    }

    private static ChannelFailure channelFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ChannelFailure f) {
                return f;
            }
        }
        return null;
    }
}
