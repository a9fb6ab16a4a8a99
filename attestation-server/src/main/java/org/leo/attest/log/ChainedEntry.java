package org.leo.attest.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.leo.boot.manifest.Sha256;

/**
 * A log entry with its place in the hash chain. The chain is
 * {@code hash(n) = SHA-256("leo-attest-log-v1\0" || hash(n-1) || u64 seq || u64 atMillis || lp(hpc) ||
 * lp(kind) || lp(severity) || lp(eventId) || lp(message) || lp(detail))}, where {@code lp} is a big-endian
 * u32 byte length followed by the UTF-8 bytes and {@code hash(0)} is 32 zero bytes. Anyone with the
 * rows can recompute it; the head is what the Pi's TPM quotes.
 */
public record ChainedEntry(long seq, LogEntry entry, byte[] prevHash, byte[] hash) {
    static final byte[] DOMAIN = "leo-attest-log-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** hash(0): the chain's genesis. */
    public static final byte[] GENESIS = new byte[32];

    public ChainedEntry {
        prevHash = prevHash.clone();
        hash = hash.clone();
    }

    @Override
    public byte[] prevHash() {
        return prevHash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    /** Chains {@code entry} as number {@code seq} after {@code prevHash}. */
    static ChainedEntry chain(long seq, LogEntry entry, byte[] prevHash) {
        return new ChainedEntry(seq, entry, prevHash, computeHash(seq, entry, prevHash));
    }

    /** The hash this entry must have after {@code prevHash}: what a remote verifier recomputes from the rows it was given. */
    public static byte[] computeHash(long seq, LogEntry e, byte[] prevHash) {
        MessageDigest md = Sha256.newDigest();
        md.update(DOMAIN);
        md.update(prevHash);
        md.update(ByteBuffer.allocate(16).putLong(seq).putLong(e.at().toEpochMilli()).array());
        for (String field : new String[] {e.hpc(), e.kind().name(), e.severity(), e.eventId(), e.message(), e.detail()}) {
            byte[] b = field.getBytes(StandardCharsets.UTF_8);
            md.update(ByteBuffer.allocate(4).putInt(b.length).array());
            md.update(b);
        }
        return md.digest();
    }

    boolean hashMatches() {
        return Arrays.equals(hash, computeHash(seq, entry, prevHash));
    }
}
