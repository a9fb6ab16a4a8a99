package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.Sha256;

/** A cached package is used only if its SHA-256 is the lock's: a swapped .deb in the cache is refused. */
class DebCacheTest {
    @TempDir
    Path dir;

    @Test
    void aCachedPackageWhoseDigestIsNotTheLocksIsRefused() throws Exception {
        Path debs = Files.createDirectories(dir.resolve("debs"));
        InputsLock.Deb good = new InputsLock.Deb("busybox-static", "1:1.35.0-4", "amd64", Sha256.hex("genuine".getBytes()));
        Files.write(debs.resolve(good.fileName()), "genuine".getBytes());
        assertThat(new DebCache(dir).fetch(good)).isEqualTo(debs.resolve("busybox-static_1%3a1.35.0-4_amd64.deb"));

        Files.write(debs.resolve(good.fileName()), "swapped".getBytes());
        assertThatThrownBy(() -> new DebCache(dir).fetch(good))
                .hasMessageContaining("has SHA-256 " + Sha256.hex("swapped".getBytes()))
                .hasMessageContaining("os-image/inputs.lock pins busybox-static=1:1.35.0-4 (amd64) at " + good.sha256());
    }
}
