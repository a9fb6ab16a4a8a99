/**
 * Where a Pi keeps capsules (docs/capsules.md "The store"): the content-addressed
 * {@link org.leo.consensus.capsule.CapsuleStore} and its embedded implementation, files named by
 * SHA-256 ({@link org.leo.consensus.capsule.FileCapsuleStore}). Here rather than in {@code protocol}
 * because the store is the Pi's, not a contract both ends compute alike: the HPC never holds one,
 * and the store's next implementation, fetching from other Pis, rides the Fleet's mutual-TLS gRPC,
 * which lives in this module ({@code fleet/}). The capsule format itself is
 * {@code org.leo.protocol.capsule}.
 */
package org.leo.consensus.capsule;
