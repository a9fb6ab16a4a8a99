package org.leo.attest.tpm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.attest.server.AttestationEngine;
import org.leo.protocol.tpm.TpmException;
import org.leo.boot.manifest.Sha256;

/**
 * What the consensus service calls on behalf of a remote verifier: relay its nonce to the HPC as
 * a full challenge, and return the HPC's signed evidence together with the Pi's TPM quote over the
 * event log head, which by then holds this relay's verdict. The quote's nonce binds both:
 * SHA-256("leo-relay-v1\0" || external nonce || SHA-256(evidence body)).
 */
public final class EvidenceRelay {
    static final byte[] DOMAIN = "leo-relay-v1\0".getBytes(StandardCharsets.US_ASCII);

    /**
     * The relayed evidence, its verdict, the log entry recording the relay (event id
     * {@code relay.quoted}; its detail lines {@code nonce=}, {@code evidence=} and {@code findings=}
     * say for which nonce, which evidence and with how many findings the Pi appraised it) and the
     * Pi's quote over the log head, which is that entry or a later one.
     */
    public record Report(AttestationEngine.Relayed relayed, ChainedEntry relayEntry, HeadQuote piQuote) { }

    /**
     * Where a relayed answer and the Pi's appraisal of it come from: the engine ({@link AttestationEngine#relay}). A
     * seam for tests of a Pi that reports another appraisal than its engine's (a Pi owner who runs modified code).
     */
    @FunctionalInterface
    public interface Source {
        CompletableFuture<AttestationEngine.Relayed> relay(String hpc, byte[] externalNonce);
    }

    private final Source engine;
    private final AttestationLog log;
    private final LogHeadQuoter quoter;
    private final Clock clock;

    public EvidenceRelay(AttestationEngine engine, AttestationLog log, LogHeadQuoter quoter, Clock clock) {
        this(engine::relay, log, quoter, clock);
    }

    public EvidenceRelay(Source source, AttestationLog log, LogHeadQuoter quoter, Clock clock) {
        this.engine = source;
        this.log = log;
        this.quoter = quoter;
        this.clock = clock;
    }

    public CompletableFuture<Report> relay(String hpc, byte[] externalNonce) {
        return engine.relay(hpc, externalNonce).thenApply(r -> {
            byte[] bodyDigest = sha256(r.evidence().getBody().toByteArray());
            HexFormat hex = HexFormat.of();
            ChainedEntry entry = log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.TPM_QUOTE, "info", "relay.quoted",
                    "HPC " + hpc + ": challenge " + r.challenge().getChallengeId() + " relayed for an external verifier ("
                            + (r.verdict().clean() ? "clean" : r.verdict().findings().size() + " findings") + "); evidence sha256 "
                            + hex.formatHex(bodyDigest),
                    "nonce=" + hex.formatHex(externalNonce) + "\nevidence=" + hex.formatHex(bodyDigest)
                            + "\nfindings=" + r.verdict().findings().size()));
            try {
                return new Report(r, entry, quoter.quote(binding(externalNonce, r.evidence().getBody().toByteArray())));
            } catch (TpmException e) {
                throw new CompletionException("the Pi's TPM did not quote: " + e.getMessage(), e);
            }
        });
    }

    /** The nonce of the Pi's quote for a relay: ties the quote to the verifier's nonce and the exact evidence. */
    public static byte[] binding(byte[] externalNonce, byte[] evidenceBody) {
        MessageDigest md = Sha256.newDigest();
        md.update(DOMAIN);
        md.update(externalNonce);
        md.update(sha256(evidenceBody));
        return md.digest();
    }

    static byte[] sha256(byte[] b) {
        return Sha256.newDigest().digest(b);
    }
}
