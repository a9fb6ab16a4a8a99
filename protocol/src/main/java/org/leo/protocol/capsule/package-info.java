/**
 * Digital capsules (issue 13, docs/capsules.md): a signed public {@link org.leo.protocol.capsule.CapsuleHeader}
 * and an AES-256-GCM payload, the unit of data, code and results of a trusted task.
 *
 * <p>Layering: {@link org.leo.protocol.capsule.CapsuleHeaderCodec} (the header's canonical protobuf,
 * {@code leo/task/v1/capsule.proto}) and {@link org.leo.protocol.capsule.CapsuleFile} (the container:
 * magic, lengths, header, payload) are pure parsers of untrusted bytes with caps;
 * {@link org.leo.protocol.capsule.CapsuleSealer} makes capsules and hands the AES key to its caller
 * (the seam for the owner's TPM, which wraps it); {@link org.leo.protocol.capsule.CapsuleOpener}
 * checks and opens them with the key the caller brings, each refusal a
 * {@link org.leo.protocol.capsule.CapsuleProblem}.
 *
 * <p>No BouncyCastle anywhere in this package: Ed25519 and AES-GCM are the JDK's, so the HPC agent
 * (whose runtime has no BouncyCastle) can open capsules. A Pi signs with its member key, held by
 * {@code MemberKeys} in consensus-service, through {@link org.leo.protocol.capsule.CapsuleOwner}.
 */
package org.leo.protocol.capsule;
