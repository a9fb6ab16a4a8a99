package org.leo.image.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;
import org.leo.image.Processes;

/**
 * The boot partition's FAT32 file system, made in a file without mounting anything: dosfstools'
 * {@code mkfs.fat --invariant} (no random or clock-derived field) with the volume id and label
 * given, then mtools ({@code mmd}, {@code mcopy -m}) adds the directories and files in name order,
 * each dated SOURCE_DATE_EPOCH in UTC (mtools takes directory times from SOURCE_DATE_EPOCH and file
 * times from the source files, which are set to it). Long names get VFAT entries; the short
 * aliases mtools derives from the names alone. Two builds give the same bytes; {@link HostTools}
 * pins the versions.
 */
final class FatImage {
    private FatImage() {
    }

    /**
     * @param files path on the partition (relative, '/'-separated) to its bytes, written in that (sorted) order
     */
    static void build(Path out, long bytes, int volumeId, String label, SortedMap<String, byte[]> files, long sourceDateEpoch, Path work)
            throws IOException {
        if (bytes % (1 << 20) != 0) {
            throw new IllegalArgumentException("the FAT partition is " + bytes + " bytes, not whole MiB");
        }
        Map<String, String> env = Map.of("SOURCE_DATE_EPOCH", Long.toString(sourceDateEpoch), "TZ", "UTC", "MTOOLS_SKIP_CHECK", "1",
                "MTOOLSRC", "/dev/null");
        Files.deleteIfExists(out);
        Processes.output(null, env, List.of("mkfs.fat", "--invariant", "-F", "32", "-i", String.format("%08x", volumeId), "-n", label, "-C",
                out.toString(), Long.toString(bytes / 1024)), 120);
        TreeSet<String> dirs = new TreeSet<>();
        for (String f : files.keySet()) {
            for (int i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) {
                dirs.add(f.substring(0, i));
            }
        }
        for (String d : dirs) {
            Processes.output(null, env, List.of("mmd", "-i", out.toString(), "::" + d), 60);
        }
        Path stage = Files.createDirectories(work.resolve("fat"));
        int n = 0;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path src = stage.resolve("f" + n++);
            Files.write(src, f.getValue());
            Files.setLastModifiedTime(src, FileTime.fromMillis(sourceDateEpoch * 1000));
            Processes.output(null, env, List.of("mcopy", "-m", "-i", out.toString(), src.toString(), "::" + f.getKey()), 120);
            Files.delete(src);
        }
    }
}
