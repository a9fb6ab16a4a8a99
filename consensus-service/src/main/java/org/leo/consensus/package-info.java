/**
 * The consensus service: other Pis of the fleet, chosen per round by a verifiable random function
 * (ECVRF, RFC 9381) weighted by earned credit, challenge an HPC through its Pi and sign verdicts
 * that form a quorum certificate on a ledger. Plain Java: no framework; {@code appliance/} wires it.
 */
package org.leo.consensus;
