package org.leo.protocol.capsule;

import java.util.Objects;

/**
 * What a capsule's owner asks or offers, in token units: a {@link Basis#PRICE} for using its data or
 * code, or a {@link Basis#BUDGET} it will pay for a task's execution ({@code oneof terms} in
 * {@code leo.task.v1.CapsuleHeader}).
 *
 * @param amount token units, 0 to 2^63-1
 */
public record Terms(Basis basis, long amount) {
    public enum Basis {
        PRICE(1), BUDGET(2);

        private final int code;

        Basis(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public String label() {
            return this == PRICE ? "price" : "budget";
        }
    }

    public Terms {
        Objects.requireNonNull(basis, "basis");
        if (amount < 0) {
            throw new IllegalArgumentException(basis.label() + ": at most 2^63-1 token units, got " + Long.toUnsignedString(amount));
        }
    }

    public static Terms price(long amount) {
        return new Terms(Basis.PRICE, amount);
    }

    public static Terms budget(long amount) {
        return new Terms(Basis.BUDGET, amount);
    }

    @Override
    public String toString() {
        return basis.label() + " " + amount;
    }
}
