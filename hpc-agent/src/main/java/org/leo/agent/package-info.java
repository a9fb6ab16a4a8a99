/** The HPC agent: collectors of evidence over a configurable root, enrollment and the attestation stream. */
package org.leo.agent;
