package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.consensus.capsule.FileCapsuleStore;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.ContentAddress;

/**
 * Capsules fetched from peers over the fleet's mutual TLS (FetchCapsule, {@link PeerCapsuleStore}), with three
 * in-process Pis: one that holds a capsule, one whose store lies (it answers any address with another capsule's bytes,
 * as a hostile Pi would), and one that has nothing. What a peer sends is stored only if its SHA-256 is the address and it
 * is a sound capsule; a liar is skipped and counted, and the next peer is asked.
 */
@Tag("system")
class CapsuleFetchTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A Pi's store that answers every address with the same bytes. */
    static CapsuleStore liar(byte[] bytes) {
        return new CapsuleStore() {
            @Override
            public ContentAddress put(byte[] b) throws IOException {
                throw new IOException("read-only");
            }

            @Override
            public Optional<byte[]> get(ContentAddress address) {
                return Optional.of(bytes.clone());
            }

            @Override
            public boolean has(ContentAddress address) {
                return true;
            }

            @Override
            public List<ContentAddress> list() {
                return List.of();
            }
        };
    }

    @Test
    void aCapsuleIsFetchedFromThePeerThatHasItAndWrongBytesAreNeverStored() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
             ConsensusNode holder = Lab.node(Lab.config(7), Lab.keys(61), ledger, Optional.empty());
             ConsensusNode lying = Lab.node(Lab.config(7), Lab.keys(62), ledger, Optional.empty());
             ConsensusNode asker = Lab.node(Lab.config(7), Lab.keys(63), ledger, Optional.empty())) {
            List<ConsensusNode> nodes = List.of(lying, holder, asker);
            List<PeerList.Peer> list = new ArrayList<>();
            for (ConsensusNode n : nodes) {
                list.add(Lab.peer(n, Lab.sha256("ak " + n.keys().memberHex()), Optional.empty(), List.of()));
            }
            PeerList peers = PeerList.of(list); // the liar first: asked before the holder
            nodes.forEach(n -> n.usePeers(peers));

            byte[] capsule = CapsuleFile.encode(TaskLab.seal(holder.keys(), CapsuleKind.DATA, "x".repeat(200_000)).capsule()); // 4 chunks
            byte[] another = CapsuleFile.encode(TaskLab.seal(lying.keys(), CapsuleKind.DATA, "a decoy").capsule());
            byte[] junk = "not a capsule, but its own address".getBytes(StandardCharsets.US_ASCII);
            FileCapsuleStore holderStore = FileCapsuleStore.open(tmp.resolve("holder"), new SimpleMeterRegistry());
            ContentAddress address = holderStore.put(capsule);
            ContentAddress junkAddress = holderStore.put(junk);
            holder.serveTasks(TaskConfig.defaults(), null, a -> Optional.empty(), holderStore);
            lying.serveTasks(TaskConfig.defaults(), null, a -> Optional.empty(), liar(another));
            FileCapsuleStore local = FileCapsuleStore.open(tmp.resolve("asker"), new SimpleMeterRegistry());
            asker.serveTasks(TaskConfig.defaults(), null, a -> Optional.empty(), local);

            PeerCapsuleStore store = PeerCapsuleStore.of(asker, local, TaskConfig.DEFAULT_MAX_CAPSULE_BYTES, T);
            assertThat(store.get(address)).as("fetched from the holder after the liar").hasValueSatisfying(b -> assertThat(b).isEqualTo(capsule));
            assertThat(local.has(address)).as("stored locally").isTrue();
            assertThat(count(asker)).as("the liar's bytes refused").isEqualTo(1);
            assertThat(store.get(address)).hasValueSatisfying(b -> assertThat(b).isEqualTo(capsule));
            assertThat(count(asker)).as("now served locally: no peer asked").isEqualTo(1);

            // only the liar: nothing, nothing stored
            PeerCapsuleStore onlyLiar = new PeerCapsuleStore(FileCapsuleStore.open(tmp.resolve("asker-2"), new SimpleMeterRegistry()),
                    () -> PeerList.of(List.of(list.get(0))), asker::client, asker.keys().member(), TaskConfig.DEFAULT_MAX_CAPSULE_BYTES, T,
                    asker.refusals().registry());
            assertThat(onlyLiar.get(address)).isEmpty();
            assertThat(onlyLiar.list()).isEmpty();
            assertThat(count(asker)).isEqualTo(2);

            // bytes whose SHA-256 is the address but that are no capsule: refused all the same
            assertThat(store.get(junkAddress)).isEmpty();
            assertThat(local.has(junkAddress)).isFalse();
            assertThat(count(asker)).as("the liar's, then the holder's junk").isEqualTo(4);

            // a cap below the capsule's size: refused as the chunks come
            PeerCapsuleStore small = new PeerCapsuleStore(FileCapsuleStore.open(tmp.resolve("asker-3"), new SimpleMeterRegistry()),
                    () -> PeerList.of(List.of(list.get(1))), asker::client, asker.keys().member(), 100_000, T, asker.refusals().registry());
            assertThat(small.get(address)).isEmpty();
            assertThat(count(asker)).isEqualTo(5);

            // an address nobody has: NOT_FOUND from each, counted by each as NO_CAPSULE
            assertThat(store.get(ContentAddress.of(new byte[] {1}))).isEmpty();
            assertThat(holder.refusals().count("NO_CAPSULE")).isEqualTo(1);
            assertThat(count(asker)).isEqualTo(6); // the liar answers anything
        }
    }

    static long count(ConsensusNode n) {
        var c = n.refusals().registry().find(PeerCapsuleStore.BAD_PEER_METRIC).counter();
        return c == null ? 0 : (long) c.count();
    }
}
