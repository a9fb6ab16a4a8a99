package org.leo.consensus.vrf;

/**
 * Why {@link Ecvrf#verify} refused a proof, in the order the checks run (RFC 9381 section 5.3,
 * with validate_key). {@link #toString()} is the short code printed by {@code leo vrf verify}.
 */
public enum InvalidReason {
    /** The public key is not 32 bytes. */
    PUBLIC_KEY_LENGTH("public-key-length", "the public key is not 32 bytes"),
    /** The public key's y is not below p, or x = 0 with the sign bit set (RFC 8032 section 5.1.3 refuses both). */
    PUBLIC_KEY_NOT_CANONICAL("public-key-not-canonical", "the public key is not a canonical point encoding"),
    /** No curve point has the public key's y. */
    PUBLIC_KEY_NOT_ON_CURVE("public-key-not-on-curve", "the public key does not decode to a curve point"),
    /** 8 Y is the identity (RFC 9381 section 5.4.5, ECVRF_validate_key). */
    PUBLIC_KEY_SMALL_ORDER("public-key-small-order", "the public key is a point of small order"),
    /** The proof is not 80 bytes (Gamma 32, c 16, s 32). */
    PROOF_LENGTH("proof-length", "the proof is not 80 bytes"),
    /** Gamma's y is not below p, or x = 0 with the sign bit set. */
    GAMMA_NOT_CANONICAL("gamma-not-canonical", "the proof's Gamma is not a canonical point encoding"),
    /** No curve point has Gamma's y. */
    GAMMA_NOT_ON_CURVE("gamma-not-on-curve", "the proof's Gamma does not decode to a curve point"),
    /** s is not below the group order L (RFC 9381 section 5.4.4 step 8). */
    S_NOT_REDUCED("s-not-reduced", "the proof's s is not below the group order L"),
    /** c differs from the challenge recomputed from Y, H, Gamma, U and V: wrong key, wrong alpha or an altered proof. */
    CHALLENGE_MISMATCH("challenge-mismatch", "the proof's challenge does not match (wrong public key, wrong alpha, or an altered proof)");

    private final String code;
    private final String description;

    InvalidReason(String code, String description) {
        this.code = code;
        this.description = description;
    }

    /** A short stable token, e.g. {@code challenge-mismatch}. */
    public String code() {
        return code;
    }

    /** A sentence for an operator. */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return code;
    }
}
