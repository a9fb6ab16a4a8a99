package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.Sha256;

/**
 * A cached package is used only if its SHA-256 is the lock's: a swapped .deb in the cache is refused. Packages missing from
 * the cache are downloaded with one apt-get for all of them (a real apt-get against this machine's Debian archive), and a
 * batch that fails leaves each to be fetched alone, whose error names the package.
 */
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
                .hasMessageContaining(", but the lock pins busybox-static=1:1.35.0-4 (amd64) at " + good.sha256());
    }

    @Test
    void prefetchDownloadsTheMissingPackagesAtOnceAndABadVersionIsNamedWhenFetched() throws Exception {
        InputsLock lock = InputsLock.read(InputsLock.fileFor(Path.of(System.getProperty("user.dir")), "amd64"));
        InputsLock.Deb a = lock.require("liblz4-1");
        InputsLock.Deb b = lock.require("libgpg-error0");
        DebCache cache = new DebCache(dir);
        cache.prefetch(List.of(a, b));
        assertThat(dir.resolve("debs").resolve(a.fileName())).exists();
        assertThat(dir.resolve("debs").resolve(b.fileName())).exists();
        assertThat(cache.fetch(a)).hasFileName(a.fileName()); // verified against the lock
        assertThat(cache.fetch(b)).hasFileName(b.fileName());

        InputsLock.Deb gone = new InputsLock.Deb("zlib1g", "1:0.0-leo-never", "amd64", a.sha256());
        InputsLock.Deb c = lock.require("zlib1g");
        cache.prefetch(List.of(gone, c)); // apt-get refuses the whole batch: nothing, no exception
        assertThat(dir.resolve("debs").resolve(c.fileName())).doesNotExist();
        assertThatThrownBy(() -> cache.fetch(gone)).hasMessageContaining("cannot download zlib1g=1:0.0-leo-never (amd64)");
        assertThat(cache.fetch(c)).hasFileName(c.fileName());
    }
}
