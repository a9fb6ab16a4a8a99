package org.leo.protocol.capsule;

import java.util.Locale;

/**
 * What a capsule's payload is ({@code leo.task.v1.CapsuleKind}). A real enum: an unknown code is a
 * malformed header, not a kind to carry along.
 */
public enum CapsuleKind {
    /** Input data of a task. */
    DATA(1),
    /** The code a task runs. */
    CODE(2),
    /** What a task produced, sealed for the task's owner. */
    RESULT(3);

    private final int code;

    CapsuleKind(int code) {
        this.code = code;
    }

    /** The wire code (the proto enum's number, and the byte in the signed encoding). */
    public int code() {
        return code;
    }

    public static CapsuleKind ofCode(int code) {
        for (CapsuleKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("capsule kind " + code + " is none of 1 (data), 2 (code), 3 (result)");
    }

    /** Lower case, as the CLI writes it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
