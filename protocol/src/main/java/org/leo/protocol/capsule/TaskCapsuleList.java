package org.leo.protocol.capsule;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;

/**
 * The digest of a task's capsule list, as the ledger records it: the TaskSubmitted entry's data capsules in their order,
 * then the task's service's code capsule (ServicePublished) -- the order in which the executor's Pi hands them to the
 * agent ({@code TaskAssignment.capsules}). Each owner's Pi signs it into its result recipient statement
 * ({@link ResultRecipientStatement}) from its own ledger; the agent computes it from its assignment's capsule addresses
 * and runs nothing unless every recipient signed that digest, so a capsule added, left out or moved is refused.
 * <pre>
 *   SHA-256( count (4 bytes, big-endian) || address_1 || ... || address_count )     each address 32 bytes
 * </pre>
 * Test vector (TaskCapsuleListTest): the addresses 32 x 0x01 and 32 x 0x02 give
 * {@code 329859a8d37888f5da0119376da72efa96bf367f5eed31bf6ddbb0bad3ff6e6f}.
 */
public final class TaskCapsuleList {
    /** More than any task can name (TaskSubmitted: 16 data capsules, and the code capsule). */
    public static final int MAX_CAPSULES = 64;

    private TaskCapsuleList() {
    }

    /** The digest of {@code addresses} (each 32 bytes, in the list's order); an IllegalArgumentException for anything else. */
    public static byte[] digest(List<byte[]> addresses) {
        if (addresses.size() > MAX_CAPSULES) {
            throw new IllegalArgumentException(addresses.size() + " capsules, at most " + MAX_CAPSULES);
        }
        MessageDigest d = ContentAddress.sha256();
        d.update(ByteBuffer.allocate(4).putInt(addresses.size()).array());
        for (byte[] a : addresses) {
            if (a.length != ContentAddress.BYTES) {
                throw new IllegalArgumentException("a capsule address is " + a.length + " bytes, expected " + ContentAddress.BYTES);
            }
            d.update(a);
        }
        return d.digest();
    }
}
