package org.leo.consensus.quorum;

/**
 * Evidence that a member signed two different verdicts for one round: both signed verdicts, which
 * anyone can check ({@link #verify()}). Kept, recorded on the ledger and punished.
 */
public record Equivocation(Verdict first, Verdict second) {
    public Equivocation {
        if (!first.conflictsWith(second)) {
            throw new IllegalArgumentException("not an equivocation: the verdicts are not one member's different verdicts on one round");
        }
    }

    /** True if both signatures verify: the member really signed both. */
    public boolean verify() {
        return first.signatureValid() && second.signatureValid();
    }

    public RoundId round() {
        return first.round();
    }

    public String memberHex() {
        return first.memberHex();
    }
}
