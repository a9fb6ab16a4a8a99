package org.leo.consensus.sortition;

/**
 * What a committee drawn by sortition does for an HPC in a round; its code is the last byte of
 * {@link Alpha}, so each role draws an independent committee from the same ledger head. A real
 * enum: an alpha with an unknown role code is malformed, not a newer role to carry along.
 */
public enum Role {
    /** Challenges the HPC through its Pi and signs a verdict. */
    VERIFIER(1),
    /** Runs a task for the HPC; one executor per task is elected from the drawn members ({@link ExecutorElection}). */
    EXECUTOR(2),
    /** Watches the round and reports members that equivocate or stay silent. */
    MONITOR(3);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    /** The byte in alpha; 0 is never used. */
    public int code() {
        return code;
    }

    public static Role ofCode(int code) {
        for (Role r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        throw new IllegalArgumentException("sortition role code " + code + " is not 1 (VERIFIER), 2 (EXECUTOR) or 3 (MONITOR)");
    }

    @Override
    public String toString() {
        return name() + "(" + code + ")";
    }
}
