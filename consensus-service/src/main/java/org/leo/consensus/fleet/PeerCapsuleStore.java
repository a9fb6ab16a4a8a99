package org.leo.consensus.fleet;

import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.FetchCapsuleRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A capsule store that fetches what this Pi does not have from the other Pis of the static peer list, over the fleet's
 * mutual TLS (FetchCapsule). {@link #get} asks the local store first, then each peer in the list's order; what a peer
 * sends is taken only if it is at most {@code maxBytes} (refused as the chunks come, not after), its SHA-256 is the
 * address asked for, and it is a capsule file whose owner's signature and payload address verify
 * ({@link CapsuleOpener#checkSealed}); only then is it put in the local store. A peer that sends anything else is
 * logged, counted in {@value #BAD_PEER_METRIC} and skipped; {@link #put}, {@link #has} and {@link #list} are the local
 * store's.
 */
public final class PeerCapsuleStore implements CapsuleStore {
    private static final Logger LOG = LoggerFactory.getLogger(PeerCapsuleStore.class);
    public static final String BAD_PEER_METRIC = "capsule.fetch.refused";

    private final CapsuleStore local;
    private final Supplier<PeerList> peers;
    private final Function<PeerList.Peer, FleetClient> clients;
    private final byte[] self;
    private final long maxBytes;
    private final Duration deadline;
    private final Counter refused;

    public PeerCapsuleStore(CapsuleStore local, Supplier<PeerList> peers, Function<PeerList.Peer, FleetClient> clients, byte[] self,
                            long maxBytes, Duration deadline, MeterRegistry registry) {
        this.local = local;
        this.peers = peers;
        this.clients = clients;
        this.self = self.clone();
        this.maxBytes = maxBytes;
        this.deadline = deadline;
        this.refused = registry.counter(BAD_PEER_METRIC);
    }

    /** The store of {@code node}'s Pi over {@code local}, fetching from its peers. */
    public static PeerCapsuleStore of(ConsensusNode node, CapsuleStore local, long maxBytes, Duration deadline) {
        return new PeerCapsuleStore(local, node::peers, node::client, node.keys().member(), maxBytes, deadline, node.refusals().registry());
    }

    @Override
    public ContentAddress put(byte[] bytes) throws IOException {
        return local.put(bytes);
    }

    @Override
    public Optional<byte[]> get(ContentAddress address) throws IOException {
        Optional<byte[]> here = local.get(address);
        if (here.isPresent()) {
            return here;
        }
        for (PeerList.Peer p : peers.get().all()) {
            if (java.util.Arrays.equals(p.member(), self)) {
                continue;
            }
            Optional<byte[]> fetched = fetch(p, address);
            if (fetched.isPresent()) {
                local.put(fetched.get());
                return fetched;
            }
        }
        return Optional.empty();
    }

    /** The capsule from {@code p}, if it has it and sends exactly it. */
    Optional<byte[]> fetch(PeerList.Peer p, ContentAddress address) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            Iterator<CapsuleChunk> chunks = clients.apply(p).fetchCapsule(FetchCapsuleRequest.newBuilder()
                    .setAddress(com.google.protobuf.ByteString.copyFrom(address.bytes())).build(), deadline);
            Optional<String> over = Chunks.receive(chunks, maxBytes, bytes);
            if (over.isPresent()) {
                return refuse(p, address, over.get());
            }
        } catch (StatusRuntimeException e) {
            LOG.debug("capsule store: {} has no capsule {}: {}", p.memberHex(), address.hex(), e.getStatus());
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.info("capsule store: fetching {} from {} failed: {}", address.hex(), p.memberHex(), e.toString());
            return Optional.empty();
        }
        byte[] b = bytes.toByteArray();
        ContentAddress got = ContentAddress.of(b);
        if (!got.equals(address)) {
            return refuse(p, address, "its bytes have SHA-256 " + got.hex());
        }
        try {
            CapsuleOpener.checkSealed(CapsuleFile.parse(b, CapsuleLimits.DEFAULT));
        } catch (CapsuleException e) {
            return refuse(p, address, "it is no sound capsule: " + e.getMessage());
        }
        return Optional.of(b);
    }

    private Optional<byte[]> refuse(PeerList.Peer p, ContentAddress address, String why) {
        refused.increment();
        LOG.warn("capsule store: refused capsule {} from Pi {}: {}", address.hex(), p.memberHex(), why);
        return Optional.empty();
    }

    @Override
    public boolean has(ContentAddress address) throws IOException {
        return local.has(address);
    }

    @Override
    public List<ContentAddress> list() throws IOException {
        return local.list();
    }
}
