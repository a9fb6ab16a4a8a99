package org.leo.agent.collect;

import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.CheckResult;

/** Turns a failed collection into the {@code CheckResult.error} the server records as a finding. */
public final class CheckResults {
    /** Longest error message sent; the rest is cut (the server caps it too). */
    public static final int MAX_MESSAGE_LENGTH = 1024;

    private CheckResults() {
    }

    /**
     * A {@code CheckError} for {@code check} ("disk_root", "os", ...) carrying the exception's
     * message, or its class name when it has none.
     */
    public static CheckResult error(String check, Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return CheckResult.newBuilder()
                .setError(CheckError.newBuilder().setCheck(check).setMessage(Text.clip(m, MAX_MESSAGE_LENGTH)))
                .build();
    }
}
