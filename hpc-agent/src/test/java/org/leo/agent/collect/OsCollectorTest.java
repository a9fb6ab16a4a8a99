package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.KernelModule;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;

class OsCollectorTest {
    private static final OsCheck ALL = OsCheck.newBuilder().setKernelCmdline(true).setModules(true)
            .setProcesses(true).setRootFilesystem(true).build();

    @TempDir
    Path dir;

    @Test
    void craftedHostCollectsExactly() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        OsResult r = new OsCollector(host).collect(ALL);

        String lines = ""
                + "/bin 120777 7 " + hex("usr/bin") + "\n"
                + "/etc/hostname 100644 4 " + hex("hpc\n") + "\n"
                + "/etc/with%20space 100644 7 " + hex("spaced\n") + "\n"
                + "/sbin/init 100755 12 " + hex("init binary\n") + "\n"
                + "/usr/bin/worker 100750 14 " + hex("worker binary\n") + "\n";
        OsResult expected = OsResult.newBuilder()
                .setKernelCmdline("BOOT_IMAGE=vmlinuz leo.nonce=6c656f2d6e6f6e6365 leo.server=10.0.0.1:8443 console=ttyS0")
                .setKernelCmdlineIncluded(true)
                .addModules(KernelModule.newBuilder().setName("virtio_net").setSize(61440))
                .addModules(KernelModule.newBuilder().setName("net_failover").setSize(24576))
                .setModulesIncluded(true)
                .addProcesses(ProcessInfo.newBuilder().setPid(1).setPpid(0).setComm("init").setUid(0)
                        .setCmdline("/sbin/init splash").setExe(dir.resolve("root/sbin/init").toString())
                        .setExeSha256(sha256("init binary\n")))
                .addProcesses(ProcessInfo.newBuilder().setPid(2).setPpid(0).setComm("kthreadd").setUid(0))
                .addProcesses(ProcessInfo.newBuilder().setPid(42).setPpid(1).setComm("a) R 1 (b").setUid(1000)
                        .setCmdline("/usr/bin/worker --threads 4").setExe(dir.resolve("root/usr/bin/worker").toString())
                        .setExeSha256(sha256("worker binary\n")))
                .setProcessesIncluded(true)
                .setRootFilesystemDigest(sha256(lines)).setRootFilesystemFiles(5).setRootFilesystemIncluded(true)
                .build();
        assertThat(r).isEqualTo(expected);
    }

    @Test
    void onlyTheAskedPartsAreCollected() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        OsResult r = new OsCollector(host).collect(OsCheck.newBuilder().setModules(true).build());
        assertThat(r.getModulesIncluded()).isTrue();
        assertThat(r.getModulesCount()).isEqualTo(2);
        assertThat(r.getProcessesIncluded()).isFalse();
        assertThat(r.getProcessesCount()).isZero();
        assertThat(r.getRootFilesystemIncluded()).isFalse();
        assertThat(r.getKernelCmdline()).isEmpty();
    }

    @Test
    void anEmptyHostGivesAnEmptyResultNotAnException() throws Exception {
        Files.createDirectories(dir.resolve("root"));
        OsResult r = new OsCollector(HostPaths.under(dir)).collect(ALL);
        assertThat(r.getKernelCmdline()).isEmpty();
        assertThat(r.getModulesList()).isEmpty();
        assertThat(r.getProcessesList()).isEmpty();
        assertThat(r.getRootFilesystemFiles()).isZero();
        assertThat(r.getRootFilesystemDigest()).isEqualTo(sha256(""));
    }

    @Test
    void changingOneFileChangesTheRootDigest() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        byte[] before = RootFsDigest.digest(host.root()).digest();
        Files.writeString(host.root().resolve("etc/hostname"), "hpd\n");
        assertThat(RootFsDigest.digest(host.root()).digest()).isNotEqualTo(before);
        Files.writeString(host.root().resolve("etc/hostname"), "hpc\n");
        assertThat(RootFsDigest.digest(host.root()).digest()).isEqualTo(before);
        Files.writeString(host.root().resolve("tmp/scratch"), "excluded, so no change\n");
        assertThat(RootFsDigest.digest(host.root()).digest()).isEqualTo(before);
    }

    @Test
    void rootFilesystemCapsFailTheCheckWithASentence() throws Exception {
        HostPaths host = CraftedHost.copyTo(dir);
        assertThatThrownBy(() -> RootFsDigest.digest(host.root(), 4, 1 << 20))
                .isInstanceOf(CollectException.class)
                .hasMessage("root file system has more than 4 files and links");
        assertThatThrownBy(() -> RootFsDigest.digest(host.root(), 100, 20))
                .isInstanceOf(CollectException.class)
                .hasMessage("root file system holds more than 20 bytes of regular files");
    }

    @Test
    void escapeKeepsTheLineFormatUnambiguous() {
        assertThat(RootFsDigest.escape("a b%c\nd".getBytes(StandardCharsets.UTF_8))).isEqualTo("a%20b%25c%0Ad");
        assertThat(RootFsDigest.escape("grüß dich".getBytes(StandardCharsets.UTF_8))).isEqualTo("grüß%20dich");
        assertThat(RootFsDigest.escape("plain".getBytes(StandardCharsets.UTF_8))).isEqualTo("plain");
    }

    @Test
    void exeDigestsAreCachedByFileIdentity() throws Exception {
        Path exe = dir.resolve("tool");
        Files.writeString(exe, "version 1");
        ExeDigestCache cache = new ExeDigestCache();
        byte[] first = cache.digest(exe).orElseThrow();
        assertThat(first).isEqualTo(sha256("version 1").toByteArray());
        cache.digest(exe);
        assertThat(cache.bytesHashed()).as("second digest is a cache hit").isEqualTo(9);
        Files.writeString(exe, "version 2!");
        assertThat(cache.digest(exe).orElseThrow()).isEqualTo(sha256("version 2!").toByteArray());
        assertThat(cache.digest(dir.resolve("missing"))).isEmpty();
    }

    static String hex(String s) {
        return HexFormat.of().formatHex(sha256(s).toByteArray());
    }

    static ByteString sha256(String s) {
        try {
            return ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
