package org.leo.protocol.tpm;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * The outcome of {@link QuoteVerifier#verify}: ok, or every reason it is not. When ok, the parsed
 * attest is verified (signed by the attestation key, nonce and PCRs as expected); when not, it is
 * shown for diagnosis only and every field is an untrusted claim.
 */
public final class QuoteVerdict {
    private final List<QuoteFailure> failures;
    private final TpmsAttest attest;

    QuoteVerdict(List<QuoteFailure> failures, TpmsAttest attest) {
        this.failures = List.copyOf(failures);
        this.attest = attest;
    }

    public boolean ok() {
        return failures.isEmpty();
    }

    /** In the order the checks ran: structure, magic, type, nonce, PCRs, signature. */
    public List<QuoteFailure> failures() {
        return failures;
    }

    public boolean has(QuoteFailure.Code code) {
        return failures.stream().anyMatch(f -> f.code() == code);
    }

    /** The parsed attest, if it parsed (trusted only when {@link #ok()}). */
    public Optional<TpmsAttest> attest() {
        return Optional.ofNullable(attest);
    }

    /** The TPM's clock and reset counters; compare resetCount/restartCount with the last quote to see a reset. */
    public Optional<TpmClockInfo> clockInfo() {
        return attest().map(TpmsAttest::clockInfo);
    }

    public OptionalLong firmwareVersion() {
        return attest == null ? OptionalLong.empty() : OptionalLong.of(attest.firmwareVersion());
    }

    /** "ok", or the failure sentences joined with "; ". */
    public String summary() {
        return ok() ? "ok" : failures.stream().map(f -> f.code() + ": " + f.message()).collect(Collectors.joining("; "));
    }

    @Override
    public String toString() {
        return "QuoteVerdict[" + summary() + "]";
    }
}
