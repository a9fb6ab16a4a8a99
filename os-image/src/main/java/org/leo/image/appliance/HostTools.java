package org.leo.image.appliance;

import java.io.IOException;
import java.util.List;
import org.leo.image.Processes;

/**
 * The build machine's programs the appliance image is made with, and the versions it was made and
 * checked with. Their output is part of the image (squashfs, FAT, the kernel module indexes), so a
 * different version may give different bytes: the build refuses to run with another version, and
 * names the one it wants. All are Debian 12 packages (scripts/install-deps): squashfs-tools,
 * dosfstools, mtools, kmod.
 */
public final class HostTools {
    /** A program, how to ask its version, and the version line expected. */
    public record Tool(String name, List<String> versionCommand, String expected, String debianPackage) {
    }

    public static final Tool MKSQUASHFS = new Tool("mksquashfs", List.of("mksquashfs", "-version"), "mksquashfs version 4.5.1 (2022/03/17)",
            "squashfs-tools");
    /** mkfs.fat has no --version: its help text ends with its name and version. */
    public static final Tool MKFS_FAT = new Tool("mkfs.fat", List.of("sh", "-c", "mkfs.fat --help 2>&1 | grep -m1 '^mkfs.fat [0-9]'"),
            "mkfs.fat 4.2 (2021-01-31)", "dosfstools");
    public static final Tool MTOOLS = new Tool("mcopy", List.of("mcopy", "--version"), "mcopy (GNU mtools) 4.0.32", "mtools");
    public static final Tool DEPMOD = new Tool("depmod", List.of("depmod", "--version"), "kmod version 30", "kmod");
    public static final List<Tool> ALL = List.of(MKSQUASHFS, MKFS_FAT, MTOOLS, DEPMOD);

    private HostTools() {
    }

    /** The first line {@code tool} prints about its version. @throws IOException if it is missing */
    public static String version(Tool tool) throws IOException {
        String out;
        try {
            out = Processes.run(null, tool.versionCommand(), 30);
        } catch (IOException e) {
            throw new IOException(tool.name() + " is missing or does not run (Debian package " + tool.debianPackage() + "; scripts/install-deps): "
                    + e.getMessage(), e);
        }
        return out.lines().findFirst().orElse("").strip();
    }

    /**
     * Checks every tool's version.
     *
     * @return the version lines, one per tool, for the build's record
     * @throws IOException naming each tool whose version is not the expected one
     */
    public static List<String> check() throws IOException {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder wrong = new StringBuilder();
        for (Tool t : ALL) {
            String v = version(t);
            if (!v.equals(t.expected())) {
                wrong.append(wrong.length() == 0 ? "" : "; ").append(t.name()).append(" says '").append(v).append("', the image is made with '")
                        .append(t.expected()).append("' (Debian 12's ").append(t.debianPackage()).append(')');
            }
            lines.add(v);
        }
        if (wrong.length() > 0) {
            throw new IOException("another version of a build tool would give other bytes: " + wrong);
        }
        return lines;
    }
}
