package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.consensus.v1.CapsuleChunk;

/** The chunked streams of the fetch rpcs and the image store's staging: caps as the chunks come, refusals counted, nothing kept. */
class ChunksTest {
    @TempDir
    Path tmp;

    static final class Collect implements StreamObserver<CapsuleChunk> {
        final List<CapsuleChunk> chunks = new ArrayList<>();
        boolean completed;

        @Override
        public void onNext(CapsuleChunk c) {
            chunks.add(c);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }

    static CapsuleChunk chunk(int n, long total) {
        return CapsuleChunk.newBuilder().setData(ByteString.copyFrom(new byte[n])).setTotalBytes(total).build();
    }

    @Test
    void bytesAndFilesAreSentInChunksOfAtMost64KiBTheFirstWithTheTotal() throws Exception {
        for (int size : new int[] {0, 1, 65_535, 65_536, 65_537, 200_000}) {
            byte[] b = new byte[size];
            new java.util.Random(size).nextBytes(b);
            Collect fromBytes = new Collect();
            Chunks.send(b, fromBytes);
            Path f = Files.write(tmp.resolve("f" + size), b);
            Collect fromFile = new Collect();
            Chunks.send(f, fromFile);
            for (Collect c : List.of(fromBytes, fromFile)) {
                assertThat(c.completed).isTrue();
                assertThat(c.chunks).isNotEmpty().allSatisfy(x -> assertThat(x.getData().size()).isLessThanOrEqualTo(TaskLimits.CAPSULE_CHUNK_BYTES));
                assertThat(c.chunks.get(0).getTotalBytes()).isEqualTo(size);
                assertThat(Chunks.receive(c.chunks.iterator(), size)).as(size + " bytes").isEqualTo(b);
            }
        }
    }

    @Test
    void aTransferOverTheCapOrAChunkOverItsCapIsRefusedAsItComes() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<CapsuleChunk> endless = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public CapsuleChunk next() {
                return chunk(TaskLimits.CAPSULE_CHUNK_BYTES, 0);
            }
        };
        assertThat(Chunks.receive(endless, 1_000_000, out)).hasValue("more than the 1000000 bytes this Pi takes");
        assertThat(out.size()).as("never more than the cap held").isLessThanOrEqualTo(1_000_000);
        assertThat(Chunks.receive(List.of(chunk(10, 2_000_000)).iterator(), 1_000_000, new ByteArrayOutputStream()))
                .as("an announced total over the cap").hasValue("more than the 1000000 bytes this Pi takes");
        assertThat(Chunks.receive(List.of(chunk(TaskLimits.CAPSULE_CHUNK_BYTES + 1, 0)).iterator(), 1_000_000, new ByteArrayOutputStream()))
                .hasValueSatisfying(m -> assertThat(m).startsWith("data: "));
    }

    @Test
    void anImageOverTheCapIsNotStagedAndIsCountedAndAStagedOneIsKeptOnlyOnceAccepted() throws Exception {
        ImageStore images = new ImageStore(tmp.resolve("images"), 100_000);
        byte[] id = Lab.sha256("image");
        assertThat(images.fetch(id, List.of(chunk(60_000, 0), chunk(60_000, 0)).iterator(), "a peer")).isEmpty();
        assertThat(images.refusedCount()).isEqualTo(1);
        assertThat(images.staged(id)).as("nothing half-written left").isEmpty();
        Optional<Path> staged = images.fetch(id, List.of(chunk(60_000, 90_000), chunk(30_000, 0)).iterator(), "a peer");
        assertThat(staged).isPresent();
        assertThat(images.kept(id)).as("not served before the agent accepted it").isEmpty();
        images.keep(id);
        assertThat(images.kept(id)).hasValueSatisfying(p -> assertThat(p.toFile()).hasSize(90_000));
        assertThat(images.staged(id)).isEmpty();
        images.fetch(id, List.of(chunk(10, 0)).iterator(), "a peer");
        images.discard(id);
        assertThat(images.staged(id)).as("an archive the agent refused is deleted").isEmpty();
        assertThat(images.refusedCount()).isEqualTo(2);
    }
}
