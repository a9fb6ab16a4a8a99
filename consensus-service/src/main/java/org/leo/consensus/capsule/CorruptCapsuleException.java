package org.leo.consensus.capsule;

import java.io.IOException;
import org.leo.protocol.capsule.ContentAddress;

/** Stored bytes that are not what their address says: refused, never returned. */
public final class CorruptCapsuleException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient ContentAddress expected;
    private final String actualHex;

    public CorruptCapsuleException(String where, ContentAddress expected, String actualHex) {
        super(where + " has SHA-256 " + actualHex + ", expected " + expected.hex() + ": refused (put the capsule again, or fetch it "
                + "from a peer, to repair it)");
        this.expected = expected;
        this.actualHex = actualHex;
    }

    public ContentAddress expected() {
        return expected;
    }

    public String actualHex() {
        return actualHex;
    }
}
