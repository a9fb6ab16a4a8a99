package org.leo.pxe.tftp;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The transfer slots of one {@link TftpServer}: at most {@link TftpConfig#maxConcurrentTransfers()}
 * transfers at once, and at most {@link TftpConfig#maxTransfersPerClient()} of them for one client
 * address.
 *
 * <p>Why per client: every RRQ costs a socket, a timer and a policy call, and the source address
 * of a UDP request is whatever the sender wrote. Without a per-client bound one machine on the
 * segment could fill the whole table (1024 by default) and the HPC's own RRQ would get "server
 * busy". A boot needs one transfer at a time (firmware and iPXE fetch files in turn; OVMF's size
 * probe ends before the real fetch starts), so a small bound costs an honest client nothing.
 *
 * <p>A slot is taken when the request is accepted and given back exactly once, when the request
 * is refused or the transfer ends.
 */
final class TransferSlots {
    /** Why a slot was not given: both are answered with ERROR 0 and counted under this word. */
    enum Refusal {
        /** The whole table is full. */
        BUSY("busy", "server busy"),
        /** This client already holds its share of the table. */
        PER_CLIENT("per-client", "too many transfers from this address");

        /** The counter tag (see {@link TftpMetrics#refused}). */
        final String tag;
        /** The text of the ERROR packet. */
        final String message;

        Refusal(String tag, String message) {
            this.tag = tag;
            this.message = message;
        }
    }

    private final int max;
    private final int perClient;
    private final Map<InetAddress, Integer> byClient = new ConcurrentHashMap<>();
    private int total;

    TransferSlots(int max, int perClient) {
        this.max = max;
        this.perClient = perClient;
    }

    /** Takes a slot for {@code client}, or says why not. */
    synchronized Optional<Refusal> acquire(InetAddress client) {
        if (total >= max) {
            return Optional.of(Refusal.BUSY);
        }
        int held = byClient.getOrDefault(client, 0);
        if (held >= perClient) {
            return Optional.of(Refusal.PER_CLIENT);
        }
        byClient.put(client, held + 1);
        total++;
        return Optional.empty();
    }

    /** Gives back a slot taken by {@link #acquire} for {@code client}. */
    synchronized void release(InetAddress client) {
        Integer held = byClient.get(client);
        if (held == null) {
            throw new IllegalStateException("no transfer slot held by " + client.getHostAddress());
        }
        if (held == 1) {
            byClient.remove(client);
        } else {
            byClient.put(client, held - 1);
        }
        total--;
    }

    /** Transfers running now. */
    synchronized int active() {
        return total;
    }

    /** Transfers running now for {@code client}. */
    synchronized int activeFor(InetAddress client) {
        return byClient.getOrDefault(client, 0);
    }
}
