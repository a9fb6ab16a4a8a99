package org.leo.protocol.capsule;

import java.util.Locale;

/**
 * Why a capsule was refused: one reason per check, in the order the checks run. The first group is
 * found by {@link CapsuleFile#parse} in the bytes alone, the second by {@link CapsuleOpener} with the
 * header's claims, the last group only with the key. The plaintext's size needs no check of its own:
 * a GCM ciphertext is exactly as long as its plaintext, so PAYLOAD_SIZE_MISMATCH has proven it.
 */
public enum CapsuleProblem {
    // The container.
    NOT_A_CAPSULE("the bytes do not start with the capsule magic LEOCAP1\\0"),
    TRUNCATED("the capsule ends before the lengths it declares"),
    TRAILING_BYTES("the capsule has bytes after its payload"),
    HEADER_TOO_LARGE("the header is longer than a capsule header may be"),
    PAYLOAD_TOO_LARGE("the payload is longer than this reader accepts"),
    MALFORMED_HEADER("the header is not a valid capsule header"),
    UNSUPPORTED_VERSION("the header is of a format version this code does not know"),
    NOT_CANONICAL("the header is not in its one canonical encoding"),
    // The header's claims, checkable without the key.
    BAD_SIGNATURE("the owner's signature does not verify over the header"),
    PAYLOAD_SIZE_MISMATCH("the payload's length is not the plaintext size the header states plus the 16-byte tag"),
    PAYLOAD_DIGEST_MISMATCH("the payload's SHA-256 is not the content address the header states"),
    // With the key.
    BAD_KEY("the key is not a 32-byte AES-256 key"),
    DECRYPTION_FAILED("the payload does not decrypt under this key and this header (a wrong key, or a payload sealed "
            + "under another header)"),
    PLAINTEXT_DIGEST_MISMATCH("the plaintext's SHA-256 is not the one the header states");

    private final String sentence;

    CapsuleProblem(String sentence) {
        this.sentence = sentence;
    }

    /** Lower case with hyphens, e.g. {@code bad-signature}: what scripts match on. */
    public String code() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One sentence for people, without a full stop. */
    public String sentence() {
        return sentence;
    }
}
