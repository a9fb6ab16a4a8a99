/**
 * The wire contracts between the HPC agent and the appliance: the generated gRPC/protobuf
 * classes of {@code leo/attest/v1/attestation.proto} ({@code org.leo.protocol.attest.v1}) and
 * the few definitions both ends must compute identically (the disk Merkle tree, the evidence
 * signature's framing).
 */
package org.leo.protocol;
