package org.leo.consensus.quorum;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import static org.leo.consensus.WireBytes.take;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * One committee member's signed verdict on one round: who (its Ed25519 verdict key), why it may
 * vote (its VRF proof over the round's alpha and the votes it claims from it), what it saw (the
 * SHA-256 of the evidence it appraised) and what it decided. The signature covers every other
 * field; {@link #encode()} and {@link #decode(byte[])} are its wire form.
 *
 * <p>Trust per field: everything is a claim of the member until {@link #signatureValid()} holds;
 * even then {@code votes} is only the member's claim, which a {@link VoteVerifier} recomputes from
 * public data before the verdict counts.
 */
public record Verdict(RoundId round, byte[] member, int votes, byte[] vrfProof, Outcome outcome, byte[] evidenceSha256,
                      byte[] signature) {
    /** Domain separation: a verdict signature can never be read as any other signed message of Leo. */
    static final byte[] DOMAIN = "leo-verdict-v1".getBytes(StandardCharsets.US_ASCII);
    public static final int KEY_BYTES = Ed25519.PUBLIC_KEY_SIZE;
    public static final int SIGNATURE_BYTES = Ed25519.SIGNATURE_SIZE;
    public static final int PROOF_BYTES = 80;
    public static final int DIGEST_BYTES = 32;
    /** Encoded size: every field has a fixed width. */
    public static final int ENCODED_BYTES = RoundId.ENCODED_BYTES + KEY_BYTES + 4 + PROOF_BYTES + 1 + DIGEST_BYTES + SIGNATURE_BYTES;

    /** What the member concluded about the HPC in this round. */
    public enum Outcome {
        /** The evidence matches the reference values published on the ledger. */
        TRUSTED,
        /** It does not, or the HPC did not answer: the certificate records a failing HPC. */
        UNTRUSTED;

        static Outcome of(int code) {
            return switch (code) {
                case 1 -> TRUSTED;
                case 2 -> UNTRUSTED;
                default -> throw new IllegalArgumentException("outcome code " + code + " is neither 1 (trusted) nor 2 (untrusted)");
            };
        }

        int code() {
            return ordinal() + 1;
        }
    }

    public Verdict {
        Objects.requireNonNull(round, "round");
        Objects.requireNonNull(outcome, "outcome");
        member = exact(member, KEY_BYTES, "member key");
        vrfProof = exact(vrfProof, PROOF_BYTES, "VRF proof");
        evidenceSha256 = exact(evidenceSha256, DIGEST_BYTES, "evidence digest");
        signature = exact(signature, SIGNATURE_BYTES, "signature");
        if (votes <= 0) {
            throw new IllegalArgumentException("votes: a verdict needs at least one vote, got " + votes);
        }
    }

    /** Signs a verdict with the member's Ed25519 secret key (32 bytes); the member key is derived from it. */
    public static Verdict sign(byte[] secretKey, RoundId round, int votes, byte[] vrfProof, Outcome outcome, byte[] evidenceSha256) {
        byte[] member = new byte[KEY_BYTES];
        Ed25519.generatePublicKey(secretKey, 0, member, 0);
        Verdict unsigned = new Verdict(round, member, votes, vrfProof, outcome, evidenceSha256, new byte[SIGNATURE_BYTES]);
        byte[] message = unsigned.signedBytes();
        byte[] sig = new byte[SIGNATURE_BYTES];
        Ed25519.sign(secretKey, 0, message, 0, message.length, sig, 0);
        return new Verdict(round, member, votes, vrfProof, outcome, evidenceSha256, sig);
    }

    /** True if the signature verifies under {@link #member()} over every other field. */
    public boolean signatureValid() {
        byte[] message = signedBytes();
        try {
            return Ed25519.verify(signature, 0, member, 0, message, 0, message.length);
        } catch (RuntimeException e) {
            return false; // an undecodable key is no valid signature
        }
    }

    /** True if both verdicts are the same member's for the same round but say different things. */
    public boolean conflictsWith(Verdict other) {
        return round.equals(other.round) && Arrays.equals(member, other.member) && !Arrays.equals(signedBytes(), other.signedBytes());
    }

    /** The member key in hex, for logs and maps. */
    public String memberHex() {
        return HexFormat.of().formatHex(member);
    }

    byte[] signedBytes() {
        ByteBuffer b = ByteBuffer.allocate(DOMAIN.length + body());
        b.put(DOMAIN);
        writeBody(b);
        return b.array();
    }

    private int body() {
        return ENCODED_BYTES - SIGNATURE_BYTES;
    }

    private void writeBody(ByteBuffer b) {
        round.writeTo(b);
        b.put(member).putInt(votes).put(vrfProof).put((byte) outcome.code()).put(evidenceSha256);
    }

    /** The wire form: the signed body, then the signature. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(body() + SIGNATURE_BYTES);
        writeBody(b);
        b.put(signature);
        return b.array();
    }

    /**
     * Parses {@link #encode()}'s form. Bytes from a peer: every length is checked before it is read,
     * and anything malformed is an {@link IllegalArgumentException} with a sentence, never another
     * exception. The signature is not checked here.
     */
    public static Verdict decode(byte[] bytes) {
        if (bytes.length != ENCODED_BYTES) {
            throw new IllegalArgumentException("verdict: " + bytes.length + " bytes, expected " + ENCODED_BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            RoundId round = RoundId.readFrom(b);
            byte[] member = take(b, KEY_BYTES);
            int votes = b.getInt();
            byte[] proof = take(b, PROOF_BYTES);
            Outcome outcome = Outcome.of(Byte.toUnsignedInt(b.get()));
            byte[] digest = take(b, DIGEST_BYTES);
            byte[] sig = take(b, SIGNATURE_BYTES);
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("verdict: " + b.remaining() + " bytes after the signature");
            }
            return new Verdict(round, member, votes, proof, outcome, digest, sig);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("verdict: truncated at byte " + b.position() + " of " + bytes.length);
        }
    }


    private static byte[] exact(byte[] v, int n, String what) {
        Objects.requireNonNull(v, what);
        if (v.length != n) {
            throw new IllegalArgumentException(what + ": expected " + n + " bytes, got " + v.length);
        }
        return v.clone();
    }

    @Override
    public byte[] member() {
        return member.clone();
    }

    @Override
    public byte[] vrfProof() {
        return vrfProof.clone();
    }

    @Override
    public byte[] evidenceSha256() {
        return evidenceSha256.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Verdict v && Arrays.equals(encode(), v.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "verdict " + outcome + " by " + memberHex().substring(0, 16) + ".. with " + votes + " vote(s) on " + round;
    }
}
