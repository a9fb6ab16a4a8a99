package org.leo.consensus.sortition;

/**
 * The fleet-wide sortition parameters, with their defaults in one place.
 *
 * @param expectedCommitteeSize tau: the committee's expected number of votes per round and role
 */
public record SortitionConfig(int expectedCommitteeSize) {
    /**
     * The default tau. docs/committee-risk.md derives it: the smallest size studied for which, at
     * 20% malicious credit and in every fleet of 100 members or more, malicious votes alone reach a
     * two-thirds quorum of the seated votes with probability below 1e-9 and the committee has more
     * than a third malicious votes with probability below 1e-2 ({@code CommitteeRiskReportTest}
     * checks that the report's rule picks this value).
     */
    public static final int DEFAULT_EXPECTED_COMMITTEE_SIZE = 63;

    public static final SortitionConfig DEFAULT = new SortitionConfig(DEFAULT_EXPECTED_COMMITTEE_SIZE);

    public SortitionConfig {
        if (expectedCommitteeSize < 1 || expectedCommitteeSize > Sortition.MAX_EXPECTED_SIZE) {
            throw new IllegalArgumentException("the expected committee size (tau) must be between 1 and "
                    + Sortition.MAX_EXPECTED_SIZE + ", got " + expectedCommitteeSize);
        }
    }
}
