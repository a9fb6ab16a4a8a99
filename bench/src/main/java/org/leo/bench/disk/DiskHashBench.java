package org.leo.bench.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.leo.agent.collect.DiskFingerprinter;
import org.leo.agent.collect.DiskProgress;
import org.leo.agent.collect.HostPaths;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;

/**
 * Times the agent's disk fingerprint (RFC 6962 Merkle tree of SHA-256 leaves) of one file, several
 * times in one JVM so the later runs are JIT-warm. Used by {@code bench/disk-bench.sh}.
 *
 * <p>usage: {@code DiskHashBench FILE THREADS RUNS [CHUNK_SIZE]}; prints one
 * {@code run N SECONDS} line per run, then {@code root HEX} and {@code vmhwm_kib N} (this JVM's
 * peak resident set, from /proc/self/status).
 */
public final class DiskHashBench {
    private DiskHashBench() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: DiskHashBench FILE THREADS RUNS [CHUNK_SIZE]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int runs = Integer.parseInt(args[2]);
        int chunk = args.length > 3 ? Integer.parseInt(args[3]) : ChunkedFile.DEFAULT_CHUNK_SIZE;
        DiskFingerprinter f = new DiskFingerprinter(HostPaths.real(), threads, DiskProgress.NONE);
        byte[] root = null;
        for (int i = 1; i <= runs; i++) {
            long t0 = System.nanoTime();
            MerkleTree tree = f.tree("bench", file, chunk);
            long t1 = System.nanoTime();
            byte[] r = tree.root();
            if (root != null && !java.util.Arrays.equals(root, r)) {
                throw new IllegalStateException("run " + i + " gave a different root");
            }
            root = r;
            System.out.printf("run %d %.6f%n", i, (t1 - t0) / 1e9);
        }
        System.out.println("root " + HexFormat.of().formatHex(root));
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                System.out.println("vmhwm_kib " + line.replaceAll("[^0-9]", ""));
            }
        }
    }
}
