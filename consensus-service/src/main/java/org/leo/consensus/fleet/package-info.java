/**
 * The fleet: the Pis of the consensus service talking to each other over the Fleet gRPC service
 * (leo/consensus/v1/fleet.proto) with mutual TLS over self-signed Ed25519 member certificates.
 * Layered as elsewhere: wire caps ({@link org.leo.consensus.fleet.FleetLimits}) -> transport
 * ({@link org.leo.consensus.fleet.FleetServer}, {@link org.leo.consensus.fleet.FleetClient},
 * {@link org.leo.consensus.fleet.FleetTrust}) -> policy ({@link org.leo.consensus.fleet.MemberAdmission},
 * {@link org.leo.consensus.fleet.Rounds} with its {@link org.leo.consensus.fleet.RoundJournal} and
 * {@link org.leo.consensus.fleet.RoundRecorder}, {@link org.leo.consensus.fleet.AnswerCheck}) -> composition
 * ({@link org.leo.consensus.fleet.ConsensusNode}). docs/consensus.md, "The fleet (built)", says who
 * checks what and what is not built.
 */
package org.leo.consensus.fleet;
