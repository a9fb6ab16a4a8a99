package org.leo.protocol.capsule;

/**
 * The network a task's container may have ({@code leo.task.v1.Network}). Only {@link #NONE} exists:
 * the field is in the format so that a wider policy later is a new code, not a new format.
 */
public enum Network {
    /** {@code docker run --network none}: loopback only. */
    NONE(1);

    private final int code;

    Network(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Network ofCode(int code) {
        if (code == NONE.code) {
            return NONE;
        }
        throw new IllegalArgumentException("network " + code + " is not 1 (none), the only network a capsule may require");
    }

    public String label() {
        return "none";
    }
}
