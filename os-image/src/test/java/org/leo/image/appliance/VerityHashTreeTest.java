package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.leo.image.Processes;

/**
 * Our hash device against cryptsetup's: veritysetup 2.6 formats the same data with the same salt
 * and UUID, and its hash device and root hash are ours byte for byte; veritysetup verify accepts
 * ours, and refuses it once a data byte changes. Sizes at the tree's edges: one block (no tree,
 * the root hash is the block's digest), two, 128 (one full hash block), 129 (a second level),
 * 128 * 128 + 1 (a third).
 */
class VerityHashTreeTest {
    @TempDir
    Path dir;

    static void needVeritysetup() {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/veritysetup")), "veritysetup is missing (cryptsetup-bin; scripts/install-deps)");
    }

    Path data(int blocks, long seed) throws IOException {
        byte[] b = new byte[blocks * VerityHashTree.BLOCK];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve("data-" + blocks), b);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 128, 129, 128 * 128 + 1})
    void theHashDeviceAndRootHashAreVeritysetups(int blocks) throws Exception {
        needVeritysetup();
        Path data = data(blocks, blocks);
        VerityHashTree.Params ours = VerityHashTree.write(data, dir.resolve("ours"));
        String out = Processes.run(null, List.of("veritysetup", "format", data.toString(), dir.resolve("theirs").toString(),
                "--salt=" + ours.saltHex(), "--uuid=" + ours.uuidText()), 120);
        String theirRoot = out.lines().filter(l -> l.startsWith("Root hash:")).findFirst().orElseThrow().split("\\s+")[2];
        assertThat(ours.rootHashHex()).isEqualTo(theirRoot);
        assertThat(Files.readAllBytes(dir.resolve("ours"))).isEqualTo(Files.readAllBytes(dir.resolve("theirs")));
        assertThat(ours.hashBytes()).isEqualTo(Files.size(dir.resolve("ours")));
        assertThat(ours.dataBlocks()).isEqualTo(blocks);
        assertThat(ours.table("/dev/vda2", "/dev/vda3")).isEqualTo("0 " + blocks * 8L + " verity 1 /dev/vda2 /dev/vda3 4096 4096 " + blocks
                + " 1 sha256 " + theirRoot + " " + ours.saltHex());
    }

    @Test
    void veritysetupVerifiesOurTreeAndRefusesItOnceADataByteChanges() throws Exception {
        needVeritysetup();
        Path data = data(300, 7);
        VerityHashTree.Params p = VerityHashTree.write(data, dir.resolve("hash"));
        Processes.run(null, List.of("veritysetup", "verify", data.toString(), dir.resolve("hash").toString(), p.rootHashHex()), 60);
        byte[] b = Files.readAllBytes(data);
        b[250 * VerityHashTree.BLOCK + 17] ^= 1;
        Files.write(data, b);
        assertThatThrownBy(() -> Processes.run(null, List.of("veritysetup", "verify", data.toString(), dir.resolve("hash").toString(),
                p.rootHashHex()), 60)).hasMessageEndingWith("exited with 2: Verification of data area failed.");
    }

    @Test
    void theSaltAndUuidFollowTheDataAlone() throws Exception {
        Path a = data(3, 1);
        Path b = Files.copy(a, dir.resolve("copy"));
        VerityHashTree.Params pa = VerityHashTree.write(a, dir.resolve("ha"));
        VerityHashTree.Params pb = VerityHashTree.write(b, dir.resolve("hb"));
        assertThat(pa.saltHex()).isEqualTo(pb.saltHex());
        assertThat(pa.uuidText()).isEqualTo(pb.uuidText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(Files.readAllBytes(dir.resolve("ha"))).isEqualTo(Files.readAllBytes(dir.resolve("hb")));
        VerityHashTree.Params other = VerityHashTree.write(data(3, 2), dir.resolve("hc"));
        assertThat(other.saltHex()).isNotEqualTo(pa.saltHex());
    }

    @Test
    void dataThatIsNotWholeBlocksIsRefused() throws Exception {
        Path odd = Files.write(dir.resolve("odd"), new byte[4097]);
        assertThatThrownBy(() -> VerityHashTree.write(odd, dir.resolve("h"))).hasMessageEndingWith("is 4097 bytes, not a positive multiple of 4096");
    }
}
