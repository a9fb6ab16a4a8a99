package org.leo.consensus.vrf;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/** The outcome of {@link Ecvrf#verify}: valid with the VRF output beta, or invalid with the reason. */
public sealed interface VrfVerdict {

    boolean isValid();

    /** The line {@code leo vrf verify} prints: {@code valid beta HEX} or {@code invalid CODE: sentence}. */
    String toLine();

    /** A valid proof and its output beta (64 bytes, RFC 9381 ECVRF_proof_to_hash). */
    record Valid(byte[] beta) implements VrfVerdict {
        public Valid {
            beta = beta.clone();
        }

        @Override
        public byte[] beta() {
            return beta.clone();
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public String toLine() {
            return "valid beta " + HexFormat.of().formatHex(beta);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Valid v && Arrays.equals(beta, v.beta);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(beta);
        }

        @Override
        public String toString() {
            return toLine();
        }
    }

    /** A refused proof: which check failed, and for lengths what was found. */
    record Invalid(InvalidReason reason, String detail) implements VrfVerdict {
        public Invalid {
            Objects.requireNonNull(reason, "reason");
            detail = detail == null ? "" : detail;
        }

        Invalid(InvalidReason reason) {
            this(reason, "");
        }

        @Override
        public boolean isValid() {
            return false;
        }

        @Override
        public String toLine() {
            return "invalid " + reason.code() + ": " + reason.description() + (detail.isEmpty() ? "" : " (" + detail + ")");
        }

        @Override
        public String toString() {
            return toLine();
        }
    }
}
