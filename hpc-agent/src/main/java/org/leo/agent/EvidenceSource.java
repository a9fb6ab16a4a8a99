package org.leo.agent;

import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;

/** Answers one check of a challenge. {@link HostEvidence} reads the host; a failure is a {@code CheckError} result, not an exception. */
@FunctionalInterface
public interface EvidenceSource {
    CheckResult answer(Check check, byte[] nonce);
}
