package org.leo.agent.collect;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A memory region the policy names ("kcore:kernel_text"): bytes [{@code base},
 * {@code base + size}) of {@code file}. For the kernel text, {@code file} is
 * {@code proc/kcore} and {@code base} the file offset of the segment holding {@code _stext}
 * (from kcore's ELF program headers and {@code /proc/kallsyms}, worked out by the policy tool).
 *
 * @param file relative to {@link HostPaths#proc()} when relative ("kcore"), else absolute
 * @param base offset of the region's first byte in the file
 * @param size length of the region; reads past it are refused
 */
public record MemoryRegion(Path file, long base, long size) {
    public MemoryRegion {
        Objects.requireNonNull(file, "file");
        if (base < 0 || size < 0 || base + size < 0) {
            throw new IllegalArgumentException("memory region of " + file + ": base " + base + " and size " + size
                    + " must be non-negative and not overflow");
        }
    }
}
