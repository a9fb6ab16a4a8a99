package org.leo.attest.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a crash can leave of the CA and the revocation list, file by file, and that each state
 * loads into something whole: a torn revocation line does not swallow the next revocation; a CA
 * whose creation stopped between its files either completes or starts over, never a key of one
 * CA beside the certificate of another.
 */
class CrashOrderingTest {
    @TempDir
    Path dir;

    @Test
    void aTornLastRevocationLineDoesNotSwallowTheNextRevocation() throws Exception {
        Path file = dir.resolve("revoked.txt");
        RevocationList list = RevocationList.open(file);
        list.revoke(BigInteger.valueOf(0xaa), "first");
        // A crash in the middle of the next append: half a line, no newline (it was never acknowledged).
        Files.writeString(file, "bb 2026-12-0", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        RevocationList reopened = RevocationList.open(file);
        reopened.revoke(BigInteger.valueOf(0xcc), "after the crash");
        RevocationList again = RevocationList.open(file);
        assertThat(again.lookup(BigInteger.valueOf(0xaa))).isPresent();
        // Before the fix "cc ..." was appended to the torn "bb 2026-12-0" and lost on the next load.
        assertThat(again.lookup(BigInteger.valueOf(0xcc))).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo("after the crash"));
        assertThat(again.lookup(BigInteger.valueOf(0xbb))).isEmpty();
        assertThat(Files.readString(file)).endsWith("after the crash\n").doesNotContain("2026-12-0cc");
    }

    @Test
    void aCaCreationCutBeforeItsRenamesStartsOver() throws Exception {
        Path ca = dir.resolve("ca");
        ApplianceCa.loadOrCreate(ca, Clock.systemUTC());
        // What a crash after writing both .new files and before any rename leaves.
        Files.move(ca.resolve("ca.key"), ca.resolve("ca.key.new"));
        Files.move(ca.resolve("ca.crt"), ca.resolve("ca.crt.new"));
        ApplianceCa fresh = ApplianceCa.loadOrCreate(ca, Clock.systemUTC());
        assertThat(Files.exists(ca.resolve("ca.key.new"))).isFalse();
        assertThat(ApplianceCa.loadOrCreate(ca, Clock.systemUTC()).fingerprint()).isEqualTo(fresh.fingerprint());
    }

    @Test
    void aCaCreationCutBetweenItsTwoRenamesIsCompleted() throws Exception {
        Path ca = dir.resolve("ca");
        ApplianceCa created = ApplianceCa.loadOrCreate(ca, Clock.systemUTC());
        Files.move(ca.resolve("ca.key"), ca.resolve("ca.key.new")); // the certificate was renamed, the key not yet
        ApplianceCa loaded = ApplianceCa.loadOrCreate(ca, Clock.systemUTC());
        assertThat(loaded.fingerprint()).isEqualTo(created.fingerprint());
        assertThat(Files.exists(ca.resolve("ca.key"))).isTrue();
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        ApplianceCa.loadOrCreate(one, Clock.systemUTC());
        ApplianceCa.loadOrCreate(two, Clock.systemUTC());
        Files.copy(two.resolve("ca.key"), one.resolve("ca.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ApplianceCa.loadOrCreate(one, Clock.systemUTC()))
                .hasMessage(one + ": ca.key is not the key of ca.crt");
    }
}
