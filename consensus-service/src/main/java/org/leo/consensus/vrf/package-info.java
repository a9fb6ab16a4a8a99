/**
 * ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03), implemented here: {@link org.leo.consensus.vrf.Ecvrf}
 * is the API (publicKey, prove, verify, proofToHash), {@link org.leo.consensus.vrf.VrfVerdict} and
 * {@link org.leo.consensus.vrf.InvalidReason} what verify answers.
 *
 * <p>Layers, bottom up: {@code Fe} (GF(2^255 - 19), BouncyCastle's X25519Field) -> {@code EdPoint},
 * {@code Precomp} (extended twisted-Edwards points, complete formulas) -> {@code ScalarMult},
 * {@code BaseTables} (constant-time and variable-time multiplication) and {@code Scalars} (mod L)
 * -> {@code Suite} (the RFC's hashing steps) -> {@code Ecvrf}. docs/vrf.md says what is constant time.
 */
package org.leo.consensus.vrf;
