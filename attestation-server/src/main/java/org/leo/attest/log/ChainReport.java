package org.leo.attest.log;

import java.util.HexFormat;
import java.util.Optional;

/**
 * What {@link AttestationLog#verify} found.
 *
 * @param entries  entries checked
 * @param headSeq  sequence number of the last entry checked (0 for an empty log)
 * @param headHash hash of the last entry checked (genesis for an empty log)
 * @param break_   the first break of the chain, if any
 */
public record ChainReport(long entries, long headSeq, byte[] headHash, Optional<String> break_) {
    public ChainReport {
        headHash = headHash.clone();
    }

    @Override
    public byte[] headHash() {
        return headHash.clone();
    }

    public boolean intact() {
        return break_.isEmpty();
    }

    /** One line for the operator. */
    public String sentence() {
        return break_.map(b -> "chain BROKEN: " + b + " (" + entries + " entries checked)")
                .orElse("chain intact: " + entries + " entries, head #" + headSeq + " sha256 "
                        + HexFormat.of().formatHex(headHash));
    }
}
