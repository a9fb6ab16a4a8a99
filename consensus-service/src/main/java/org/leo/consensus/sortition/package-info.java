/**
 * Credit-weighted sortition (docs/sortition.md): {@link org.leo.consensus.sortition.Alpha} is the
 * VRF input of a round, {@link org.leo.consensus.sortition.Sortition} turns a member's VRF output and
 * credit into its votes and checks another member's claim, {@link
 * org.leo.consensus.sortition.ExecutorElection} picks one executor among the drawn, and {@link
 * org.leo.consensus.sortition.CommitteeRiskReport} prints docs/committee-risk.md, which derives
 * {@link org.leo.consensus.sortition.SortitionConfig#DEFAULT_EXPECTED_COMMITTEE_SIZE}. Pure functions
 * of their inputs, no floating point: an auditor in another language gets the same votes.
 */
package org.leo.consensus.sortition;
