package org.leo.consensus.capsule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.capsule.Capsule;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.TestCapsules;

/** The embedded store: put, get, has, list; a damaged file refused, reported and repaired; concurrent puts; names are digests. */
class FileCapsuleStoreTest {
    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private FileCapsuleStore store() throws Exception {
        return FileCapsuleStore.open(dir.resolve("capsules"), registry);
    }

    private static byte[] capsuleFile(int size) {
        byte[] plaintext = new byte[size];
        new Random(size).nextBytes(plaintext);
        return CapsuleFile.encode(TestCapsules.seal(plaintext).capsule());
    }

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("capsules"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void putGetHasAndList() throws Exception {
        FileCapsuleStore store = store();
        byte[] a = capsuleFile(10);
        byte[] b = capsuleFile(20);
        ContentAddress ia = store.put(a);
        ContentAddress ib = store.put(b);
        assertThat(ia).isEqualTo(ContentAddress.of(a));
        assertThat(store.file(ia)).isEqualTo(dir.resolve("capsules").resolve(ia.hex()));
        assertThat(store.get(ia)).hasValueSatisfying(x -> assertThat(x).isEqualTo(a));
        assertThat(store.get(ib)).hasValueSatisfying(x -> assertThat(x).isEqualTo(b));
        assertThat(store.has(ia)).isTrue();
        ContentAddress absent = ContentAddress.of(new byte[0]);
        assertThat(store.has(absent)).isFalse();
        assertThat(store.get(absent)).isEmpty();
        assertThat(store.list()).containsExactly(ia.compareTo(ib) < 0 ? new ContentAddress[] {ia, ib} : new ContentAddress[] {ib, ia});

        // what comes back is the capsule: its id is its address, and it checks out
        Capsule c = CapsuleFile.parse(store.get(ia).orElseThrow(), CapsuleLimits.DEFAULT);
        assertThat(CapsuleFile.id(c)).isEqualTo(ia);
        CapsuleOpener.checkSealed(c);
        assertThat(Files.getPosixFilePermissions(store.file(ia))).isEqualTo(CapsuleFile.MODE);
    }

    @Test
    void twoPutsOfTheSameCapsuleAreOneFileWrittenOnce() throws Exception {
        FileCapsuleStore store = store();
        byte[] a = capsuleFile(100);
        ContentAddress id = store.put(a);
        Object inode = Files.readAttributes(store.file(id), BasicFileAttributes.class).fileKey();
        assertThat(store.put(a.clone())).isEqualTo(id);
        assertThat(Files.readAttributes(store.file(id), BasicFileAttributes.class).fileKey()).isEqualTo(inode);
        assertThat(names()).containsExactly(id.hex());
    }

    @Test
    void concurrentPutsOfTheSameCapsuleLeaveOneWholeFile() throws Exception {
        FileCapsuleStore store = store();
        byte[] a = capsuleFile(1 << 20);
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<ContentAddress>> puts = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                puts.add(pool.submit(() -> {
                    start.await();
                    return store.put(a);
                }));
            }
            start.countDown();
            for (Future<ContentAddress> f : puts) {
                assertThat(f.get()).isEqualTo(ContentAddress.of(a));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(names()).containsExactly(ContentAddress.of(a).hex()); // no temporary file left behind
        assertThat(store.get(ContentAddress.of(a))).hasValueSatisfying(x -> assertThat(x).isEqualTo(a));
    }

    @Test
    void aDamagedFileIsRefusedReportedAndRepairedByTheNextPut() throws Exception {
        FileCapsuleStore store = store();
        byte[] a = capsuleFile(50);
        ContentAddress id = store.put(a);
        byte[] damaged = a.clone();
        damaged[damaged.length - 1] ^= 1;
        Files.write(store.file(id), damaged);

        assertThatThrownBy(() -> store.get(id)).isInstanceOf(CorruptCapsuleException.class)
                .hasMessage(store.file(id) + " has SHA-256 " + ContentAddress.of(damaged).hex() + ", expected " + id.hex()
                        + ": refused (put the capsule again, or fetch it from a peer, to repair it)");
        assertThat(registry.counter(FileCapsuleStore.CORRUPT_METRIC).count()).isEqualTo(1.0);
        assertThat(store.has(id)).isTrue(); // still there, never returned

        assertThat(store.put(a)).isEqualTo(id);
        assertThat(store.get(id)).hasValueSatisfying(x -> assertThat(x).isEqualTo(a));

        Files.write(store.file(id), new byte[3]); // truncated
        assertThatThrownBy(() -> store.get(id)).isInstanceOf(CorruptCapsuleException.class);
        assertThat(registry.counter(FileCapsuleStore.CORRUPT_METRIC).count()).isEqualTo(2.0);
        store.put(a);
        assertThat(store.get(id)).isPresent();
    }

    @Test
    void namesAreParsedDigestsSoNothingElseIsListedAndNoPathLeavesTheDirectory() throws Exception {
        FileCapsuleStore store = store();
        ContentAddress id = store.put(capsuleFile(1));
        Path d = store.directory();
        Files.writeString(d.resolve("README"), "not an entry");
        Files.writeString(d.resolve(".tmp-123"), "a put that crashed");
        Files.writeString(d.resolve(id.hex().toUpperCase(java.util.Locale.ROOT)), "upper case is not a name");
        Files.createDirectory(d.resolve("ab".repeat(32)));
        assertThat(store.list()).containsExactly(id);
        assertThat(store.has(ContentAddress.parse("ab".repeat(32)))).isFalse();
        for (String bad : new String[] {"../" + id.hex().substring(3), "/etc/passwd", id.hex().substring(1), id.hex() + "0", "..", ""}) {
            assertThatThrownBy(() -> ContentAddress.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("a content address is 64 lower-case hex digits, got '");
        }
    }

    @Test
    void entriesAreCapped() throws Exception {
        FileCapsuleStore small = FileCapsuleStore.open(dir.resolve("small"), 100, registry);
        assertThatThrownBy(() -> small.put(new byte[101])).hasMessage("an entry of 101 bytes: this store takes 100 at most");
        byte[] big = new byte[101];
        ContentAddress id = ContentAddress.of(big);
        Files.write(small.file(id), big); // put there by hand
        assertThatThrownBy(() -> small.get(id)).isInstanceOf(CorruptCapsuleException.class).hasMessageContaining("(101 bytes, more than this store holds)");
        assertThat(small.put(new byte[100])).isEqualTo(ContentAddress.of(new byte[100]));
    }
}
