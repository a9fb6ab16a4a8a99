package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Pi's member keys are made once, readable by their owner only, and read back the same; a damaged file is refused by name. */
class MemberKeyFileTest {
    @TempDir
    Path dir;

    @Test
    void theKeysAreMadeOnceAndReadBackTheSame() throws Exception {
        MemberKeys made = MemberKeyFile.loadOrCreate(dir.resolve("consensus"), new SecureRandom());
        Path file = dir.resolve("consensus").resolve(MemberKeyFile.NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).matches("verdict-secret [0-9a-f]{64}\nvrf-secret [0-9a-f]{64}\n");
        MemberKeys again = MemberKeyFile.loadOrCreate(dir.resolve("consensus"), new SecureRandom());
        assertThat(again.memberHex()).isEqualTo(made.memberHex());
        assertThat(again.vrfKey()).isEqualTo(made.vrfKey());
        assertThat(Files.exists(dir.resolve("consensus").resolve(MemberKeyFile.NAME + ".new"))).isFalse();
    }

    @Test
    void aDamagedFileIsRefusedWithItsName() throws Exception {
        Path file = dir.resolve(MemberKeyFile.NAME);
        Files.writeString(file, "verdict-secret " + "ab".repeat(32) + "\n");
        assertThatThrownBy(() -> MemberKeyFile.load(file)).hasMessage(file + ": expected both 'verdict-secret HEX' and 'vrf-secret HEX'");
        Files.writeString(file, "verdict-secret " + "ab".repeat(31) + "\nvrf-secret " + "cd".repeat(32) + "\n");
        assertThatThrownBy(() -> MemberKeyFile.load(file)).hasMessage(file + ": a secret is 64 hex digits");
        Files.writeString(file, "secret-key " + "ab".repeat(32) + "\n");
        assertThatThrownBy(() -> MemberKeyFile.load(file)).hasMessageStartingWith(file + ": expected the lines 'verdict-secret HEX' and 'vrf-secret HEX', got 'secret-key ");
    }
}
