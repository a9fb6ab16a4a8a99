package org.leo.consensus.vrf;

/**
 * Every intermediate value of one {@link Ecvrf} proof, in the order RFC 9381 Appendix B lists them,
 * as byte strings (points encoded, scalars little-endian). Package-private: a test hook, so the RFC
 * examples check each step and not only the output.
 *
 * @param x the secret scalar (clamped first half of SHA-512(SK))
 * @param ctr the try_and_increment counter that produced H
 * @param kString the 64-byte nonce hash; {@code k} is it reduced mod L
 */
record ProofTrace(byte[] publicKey, byte[] x, int ctr, byte[] h, byte[] kString, byte[] k, byte[] gamma, byte[] u,
                  byte[] v, byte[] c, byte[] s, byte[] pi, byte[] beta) {
}
