package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** libcrypto's SHA-256 against the JDK's, through every way the collectors feed bytes. */
class LibcryptoSha256Test {
    @Test
    void libcryptoLoadsOnThisMachine() {
        // Debian's openssl (installed by scripts/install-deps) brings libssl3, whose libcrypto.so.3 this uses.
        assertThat(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libcrypto.so.3"))).isTrue();
        assertThat(LibcryptoSha256.available()).as(LibcryptoSha256.problem()).isTrue();
        assertThat(LibcryptoSha256.version()).startsWith("OpenSSL ");
        assertThat(Digests.sha256()).isInstanceOf(LibcryptoSha256.class);
        assertThat(Digests.engine()).startsWith("libcrypto (OpenSSL ");
    }

    @Test
    void knownAnswers() {
        MessageDigest md = new LibcryptoSha256();
        assertThat(HexFormat.of().formatHex(md.digest()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(HexFormat.of().formatHex(md.digest("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        md.update((byte) 'a');
        md.update((byte) 'b');
        md.update((byte) 'c');
        assertThat(HexFormat.of().formatHex(md.digest()))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void equalsTheJdkForRandomSplitsOfHeapArraysHeapBuffersAndDirectBuffers() throws Exception {
        Random r = new Random(42);
        MessageDigest ours = new LibcryptoSha256();
        for (int round = 0; round < 300; round++) {
            byte[] data = new byte[r.nextInt(round < 50 ? 200 : 300_000)];
            r.nextBytes(data);
            MessageDigest jdk = Digests.jdkSha256();
            jdk.update(data);
            int at = 0;
            while (at < data.length) {
                int n = Math.min(data.length - at, 1 + r.nextInt(r.nextBoolean() ? 70 : 40_000));
                switch (r.nextInt(4)) {
                    case 0 -> ours.update(data, at, n);
                    case 1 -> ours.update(ByteBuffer.wrap(data, at, n));
                    case 2 -> {
                        // a direct buffer with data around the slice, to check that position and limit are honoured
                        ByteBuffer d = ByteBuffer.allocateDirect(n + 16);
                        d.position(7);
                        d.put(data, at, n);
                        d.flip().position(7);
                        ours.update(d);
                        assertThat(d.hasRemaining()).isFalse();
                    }
                    default -> {
                        for (int i = 0; i < Math.min(n, 5); i++) {
                            ours.update(data[at + i]);
                        }
                        n = Math.min(n, 5);
                    }
                }
                at += n;
            }
            byte[] out = new byte[40];
            assertThat(ours.digest(out, 3, 37)).isEqualTo(32);
            byte[] expected = jdk.digest();
            byte[] got = java.util.Arrays.copyOfRange(out, 3, 35);
            assertThat(got).as("round %d, %d bytes", round, data.length).isEqualTo(expected);
        }
    }

    @Test
    void resetDiscardsWhatWasFedAndATooSmallOutputIsRefused() {
        MessageDigest md = new LibcryptoSha256();
        md.update(new byte[1000]);
        md.reset();
        assertThat(HexFormat.of().formatHex(md.digest("abc".getBytes())))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThatThrownBy(() -> md.digest(new byte[31], 0, 31)).isInstanceOf(DigestException.class);
        assertThatThrownBy(() -> md.update(new byte[4], 2, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theEngineIsChosenByProperty() {
        assertThat(Digests.chooseNative("jdk")).isFalse();
        assertThat(Digests.chooseNative("auto")).isTrue();
        assertThat(Digests.chooseNative("libcrypto")).isTrue();
        assertThatThrownBy(() -> Digests.chooseNative("fast")).hasMessageContaining("must be auto, libcrypto or jdk, got fast");
    }
}
