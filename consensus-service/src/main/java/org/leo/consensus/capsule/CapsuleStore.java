package org.leo.consensus.capsule;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.leo.protocol.capsule.ContentAddress;

/**
 * Where capsules live: a content-addressed store of bytes, each under its SHA-256. What Leo puts in
 * it is capsule files ({@code CapsuleFile}), so an entry's address is the capsule's id; the store
 * itself checks only that bytes and address match (whether the capsule's signature verifies is
 * {@code CapsuleOpener}'s business, before anything relies on it).
 *
 * <p>Implementations: {@link FileCapsuleStore}, embedded on every Pi; {@code fleet.PeerCapsuleStore},
 * which fetches what is not here from other Pis over the fleet's mutual-TLS gRPC (it wraps a local
 * store, and its {@link #get} verifies what a peer sends before storing it); and,
 * where one runs, an IPFS node (docs/capsules.md: how SHA-256 addresses map to CIDs). Whatever
 * backs it, {@link #get} returns only bytes whose SHA-256 is the address asked for.
 */
public interface CapsuleStore {
    /** Stores {@code bytes} under their SHA-256 and returns it. Idempotent: the same bytes are one entry. */
    ContentAddress put(byte[] bytes) throws IOException;

    /**
     * The bytes stored under {@code address}, or empty if the store has none. Stored bytes whose
     * SHA-256 is not {@code address} are never returned: a {@link CorruptCapsuleException} instead,
     * and the store reports it (its log and metrics say how).
     */
    Optional<byte[]> get(ContentAddress address) throws IOException;

    /** True if the store has an entry under {@code address} (not verified: {@link #get} verifies). */
    boolean has(ContentAddress address) throws IOException;

    /** Every address the store has, in ascending order. */
    List<ContentAddress> list() throws IOException;
}
