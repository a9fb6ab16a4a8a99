package org.leo.consensus.fleet;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.leo.attest.appraise.Policy;
import org.leo.consensus.sortition.SortitionConfig;

/**
 * A Pi's fleet settings, with the defaults in one place ({@link #defaults()}, pinned by
 * {@code FleetConfigTest}).
 *
 * @param bind                  the Fleet port's address (port 0: ephemeral, tests)
 * @param expectedCommitteeSize tau, the same on every Pi of a fleet (docs/committee-risk.md)
 * @param startingCredit        the credit a member is admitted with (MemberAdmitted)
 * @param roundDeadline         how long a verifier waits for the HPC's answer before it signs UNTRUSTED ("no answer")
 * @param verdictGrace          how much longer the HPC's Pi keeps a round open for verdicts after that
 * @param maxOpenRounds         rounds the HPC's Pi keeps open at once; more are refused TOO_MANY_ROUNDS
 * @param roundPeriod           a round of every HPC starts every period ({@link RoundSchedule}); it must exceed
 *                              {@code challengeSpread + roundDeadline + verdictGrace} ({@link #scheduleProblem()})
 * @param challengeSpread       a selected verifier challenges after a random delay below this
 * @param verifierPolicy        the attestation policy this Pi appraises other Pis' HPCs' relayed evidence with, as a
 *                              verifier ({@link AnswerCheck}): its ignore lists and severities; default
 *                              {@link Policy#defaults()}
 */
public record FleetConfig(InetSocketAddress bind, int expectedCommitteeSize, long startingCredit, Duration roundDeadline,
                          Duration verdictGrace, int maxOpenRounds, Duration roundPeriod, Duration challengeSpread, Policy verifierPolicy) {
    public static final int DEFAULT_PORT = 7450;
    public static final long DEFAULT_STARTING_CREDIT = 10;
    /** The attestation server's challenge deadline is seconds; a relayed full challenge with a TPM quote fits well inside. */
    public static final Duration DEFAULT_ROUND_DEADLINE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_VERDICT_GRACE = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_OPEN_ROUNDS = 256;
    public static final Duration DEFAULT_ROUND_PERIOD = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CHALLENGE_SPREAD = Duration.ofSeconds(10);

    public FleetConfig {
        java.util.Objects.requireNonNull(verifierPolicy, "verifierPolicy");
        new SortitionConfig(expectedCommitteeSize); // the same bounds as everywhere
        if (startingCredit < 0) {
            throw new IllegalArgumentException("the starting credit must be at least 0, got " + startingCredit);
        }
        if (roundDeadline.isNegative() || roundDeadline.isZero() || verdictGrace.isNegative()) {
            throw new IllegalArgumentException("the round deadline must be positive and the verdict grace not negative, got "
                    + roundDeadline + " and " + verdictGrace);
        }
        if (maxOpenRounds < 1) {
            throw new IllegalArgumentException("at least one round must be allowed open, got " + maxOpenRounds);
        }
        if (roundPeriod.isNegative() || roundPeriod.isZero() || challengeSpread.isNegative()) {
            throw new IllegalArgumentException("the round period must be positive and the challenge spread not negative, got "
                    + roundPeriod + " and " + challengeSpread);
        }
    }

    /** How long the HPC's Pi keeps a round open: every verifier's challenge, its deadline and the verdict grace fit in it. */
    public Duration roundOpen() {
        return challengeSpread.plus(roundDeadline).plus(verdictGrace);
    }

    /** Why rounds cannot be scheduled every {@link #roundPeriod}: a round would still be open when the next one starts. */
    public java.util.Optional<String> scheduleProblem() {
        return roundPeriod.compareTo(roundOpen()) > 0 ? java.util.Optional.empty()
                : java.util.Optional.of("the round period (" + roundPeriod.toMillis() + " ms) must exceed the challenge spread, round deadline "
                        + "and verdict grace together (" + roundOpen().toMillis() + " ms): the ledger must be still when the next round is drawn");
    }

    public static FleetConfig defaults() {
        return new FleetConfig(new InetSocketAddress(DEFAULT_PORT), SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE, DEFAULT_STARTING_CREDIT,
                DEFAULT_ROUND_DEADLINE, DEFAULT_VERDICT_GRACE, DEFAULT_MAX_OPEN_ROUNDS, DEFAULT_ROUND_PERIOD, DEFAULT_CHALLENGE_SPREAD,
                Policy.defaults());
    }

    public FleetConfig withBind(InetSocketAddress a) {
        return new FleetConfig(a, expectedCommitteeSize, startingCredit, roundDeadline, verdictGrace,
                maxOpenRounds, roundPeriod, challengeSpread, verifierPolicy);
    }

    public FleetConfig withExpectedCommitteeSize(int tau) {
        return new FleetConfig(bind, tau, startingCredit, roundDeadline, verdictGrace, maxOpenRounds, roundPeriod, challengeSpread, verifierPolicy);
    }

    public FleetConfig withRoundDeadline(Duration d) {
        return new FleetConfig(bind, expectedCommitteeSize, startingCredit, d, verdictGrace,
                maxOpenRounds, roundPeriod, challengeSpread, verifierPolicy);
    }

    /** With another schedule: a round every {@code period}, verifiers' challenges spread over {@code spread}, and the deadline and grace. */
    public FleetConfig withSchedule(Duration period, Duration spread, Duration deadline, Duration grace) {
        return new FleetConfig(bind, expectedCommitteeSize, startingCredit, deadline, grace, maxOpenRounds, period, spread, verifierPolicy);
    }

    /** With another policy to appraise relayed evidence with (the attestation server's policy file, usually). */
    public FleetConfig withVerifierPolicy(Policy p) {
        return new FleetConfig(bind, expectedCommitteeSize, startingCredit, roundDeadline, verdictGrace,
                maxOpenRounds, roundPeriod, challengeSpread, p);
    }

    public FleetConfig withStartingCredit(long credit) {
        return new FleetConfig(bind, expectedCommitteeSize, credit, roundDeadline, verdictGrace,
                maxOpenRounds, roundPeriod, challengeSpread, verifierPolicy);
    }
}
