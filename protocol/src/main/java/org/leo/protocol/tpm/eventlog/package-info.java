/**
 * The TCG event log an HPC sends with its quote: a parser for the crypto-agile format
 * ({@link org.leo.protocol.tpm.eventlog.EventLogParser}), the replay into sha256 PCR values
 * ({@link org.leo.protocol.tpm.eventlog.EventLog#replay()}) and decoders for the event data the
 * Pi looks at ({@link org.leo.protocol.tpm.eventlog.UefiImageLoadEvent},
 * {@link org.leo.protocol.tpm.eventlog.EventText}, {@link org.leo.protocol.tpm.eventlog.TaggedEvent}).
 * References are to the TCG PC Client Platform Firmware Profile Specification v1.05 ("PFP").
 *
 * <p>All of it is pure and bounded, and throws only
 * {@link org.leo.protocol.tpm.eventlog.EventLogFormatException}: the log is hostile input.
 *
 * <p>Trust: a parsed log proves nothing. Use it in this order:
 * <ol>
 *   <li>verify the quote ({@link org.leo.protocol.tpm.QuoteVerifier}) against the key you trust;</li>
 *   <li>replay the log and require the replayed value of every quoted PCR you rely on to equal
 *       the quoted value; only then are the digests and PCR indexes of the events in those PCRs
 *       what the TPM saw, in that order;</li>
 *   <li>judge events by their digests. Event types and data stay the log writer's claims
 *       (see {@link org.leo.protocol.tpm.eventlog.LogEvent}); trust data only where you
 *       recompute the digest from it, or compare the digest with one you computed yourself
 *       (the Authenticode hash of the UKI you built, the SHA-256 of its sections).</li>
 * </ol>
 * Events in PCRs that the quote does not cover, or whose replay does not match, are unverified.
 */
package org.leo.protocol.tpm.eventlog;
