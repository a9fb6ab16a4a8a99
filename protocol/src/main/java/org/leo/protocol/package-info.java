/**
 * The wire contracts between the HPC agent and the appliance: the generated gRPC/protobuf
 * classes of {@code leo/attest/v1/attestation.proto} ({@code org.leo.protocol.attest.v1}),
 * {@code leo/consensus/v1/fleet.proto} and {@code leo/task/v1/capsule.proto}
 * ({@code org.leo.protocol.task.v1}), and the few definitions both ends must compute identically
 * (the disk Merkle tree, the evidence signature's framing, the capsule format in
 * {@code capsule/}).
 */
package org.leo.protocol;
