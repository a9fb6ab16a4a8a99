/**
 * The disk Merkle tree both ends compute identically: RFC 6962 section 2.1 hashing over fixed-size
 * chunks of a block device or image file ({@link org.leo.protocol.merkle.ChunkedFile}), roots,
 * audit paths and their verification ({@link org.leo.protocol.merkle.MerkleTree}).
 */
package org.leo.protocol.merkle;
