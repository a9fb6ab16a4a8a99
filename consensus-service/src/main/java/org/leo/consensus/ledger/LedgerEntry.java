package org.leo.consensus.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.leo.boot.manifest.Sha256;

/**
 * One ledger entry: its sequence number, the record, the hash of the entry before it and its own
 * hash = SHA-256("leo-ledger-v1" || seq || type || body length || body || previous hash).
 */
public record LedgerEntry(long seq, LedgerRecord record, byte[] prevHash, byte[] hash) {
    private static final byte[] DOMAIN = "leo-ledger-v1".getBytes(StandardCharsets.US_ASCII);

    public LedgerEntry {
        prevHash = prevHash.clone();
        hash = hash.clone();
    }

    static LedgerEntry chain(long seq, LedgerRecord record, byte[] prevHash) {
        return new LedgerEntry(seq, record, prevHash, computeHash(seq, record.type(), record.body(), prevHash));
    }

    static byte[] computeHash(long seq, int type, byte[] body, byte[] prevHash) {
        MessageDigest md = Sha256.newDigest();
        md.update(DOMAIN);
        md.update(ByteBuffer.allocate(13).putLong(seq).put((byte) type).putInt(body.length).array());
        md.update(body);
        md.update(prevHash);
        return md.digest();
    }

    @Override
    public byte[] prevHash() {
        return prevHash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public String toString() {
        return "#" + seq + " " + HexFormat.of().formatHex(hash, 0, 8) + ".. " + record.describe();
    }
}
