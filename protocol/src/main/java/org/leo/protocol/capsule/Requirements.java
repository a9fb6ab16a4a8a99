package org.leo.protocol.capsule;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The environment a capsule's owner requires of whoever processes its payload
 * ({@code leo.task.v1.Requirements}): the container image by digest, no network, clean-up at the
 * end, and the least ledger credit of the executor and of each monitor. Signed with the header;
 * checked by the capsule owner's Pi before it releases the key (consensus-service
 * {@code fleet.KeyReleaseCheck}: the task's service image, its least credits at least these).
 *
 * @param imageDigest         {@code sha256:} and 64 lower-case hex digits
 * @param network             the only value today is {@link Network#NONE}
 * @param cleanupRequired     the executor must wipe the container, its volumes and scratch space
 * @param minExecutorCredit   at least 0 (a credit on the ledger is a Java long)
 * @param minMonitorCredit    at least 0
 */
public record Requirements(String imageDigest, Network network, boolean cleanupRequired, long minExecutorCredit,
                           long minMonitorCredit) {
    private static final Pattern IMAGE_DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    /** {@code sha256:} and 64 hex digits. */
    public static final int IMAGE_DIGEST_CHARS = 71;

    public Requirements {
        Objects.requireNonNull(imageDigest, "image digest");
        Objects.requireNonNull(network, "network");
        if (!IMAGE_DIGEST.matcher(imageDigest).matches()) {
            throw new IllegalArgumentException("image digest: expected 'sha256:' and 64 lower-case hex digits (a Docker image "
                    + "digest), got '" + (imageDigest.length() > 80 ? imageDigest.substring(0, 77) + "..." : imageDigest) + "'");
        }
        if (minExecutorCredit < 0 || minMonitorCredit < 0) {
            throw new IllegalArgumentException("minimum credits are at most 2^63-1 and not negative, got executor "
                    + Long.toUnsignedString(minExecutorCredit) + " and monitor " + Long.toUnsignedString(minMonitorCredit));
        }
    }

    /** No network and clean-up, the only environment issue 13 allows today. */
    public static Requirements of(String imageDigest, long minExecutorCredit, long minMonitorCredit) {
        return new Requirements(imageDigest, Network.NONE, true, minExecutorCredit, minMonitorCredit);
    }
}
