package org.leo.image.appliance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the image builder reads of an ELF file (System V gABI, "ELF-64 Object File Format" 1.5): the
 * shared libraries a program or library needs ({@code DT_NEEDED}), its own name ({@code DT_SONAME}),
 * where else it has them looked for ({@code DT_RUNPATH}, or the older {@code DT_RPATH}), its program
 * interpreter ({@code PT_INTERP}), and a kernel module's {@code .modinfo} section
 * ({@code depends=}, {@code alias=}, ...). 64-bit little-endian only: the image's architectures
 * (amd64, arm64). Every offset and size is checked against the file before it is used; a file that
 * is not such an ELF, or whose tables point outside it, is an {@link ElfFormatException} naming the
 * field.
 */
public final class ElfFile {
    static final int SHT_DYNAMIC = 6;
    static final int PT_INTERP = 3;
    static final long DT_NULL = 0;
    static final long DT_NEEDED = 1;
    static final long DT_SONAME = 14;
    static final long DT_RPATH = 15;
    static final long DT_RUNPATH = 29;
    /** Most section or program headers read: real files have tens; the format allows 65535. */
    static final int MAX_HEADERS = 4096;
    /** Longest name read from a string table (a library's file name, an interpreter's path). */
    static final int MAX_STRING = 4096;

    private final List<String> needed;
    private final List<String> runpath;
    private final Optional<String> soname;
    private final Optional<String> interpreter;
    private final Optional<byte[]> modinfo;

    private ElfFile(List<String> needed, List<String> runpath, Optional<String> soname, Optional<String> interpreter,
            Optional<byte[]> modinfo) {
        this.needed = List.copyOf(needed);
        this.runpath = List.copyOf(runpath);
        this.soname = soname;
        this.interpreter = interpreter;
        this.modinfo = modinfo;
    }

    /** Whether {@code head} starts with the ELF magic ({@code 7f 45 4c 46}). */
    public static boolean isElf(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /** @throws ElfFormatException if {@code b} is not a 64-bit little-endian ELF file or a table leaves it */
    public static ElfFile parse(byte[] b) throws ElfFormatException {
        if (!isElf(b)) {
            throw new ElfFormatException("no ELF magic");
        }
        if (b.length < 64) {
            throw new ElfFormatException("ELF header truncated: " + b.length + " bytes, expected 64");
        }
        if (b[4] != 2 || b[5] != 1) {
            throw new ElfFormatException("not a 64-bit little-endian ELF file (class " + b[4] + ", data " + b[5] + ")");
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = buf.getLong(32);
        long shoff = buf.getLong(40);
        int phentsize = Short.toUnsignedInt(buf.getShort(54));
        int phnum = Short.toUnsignedInt(buf.getShort(56));
        int shentsize = Short.toUnsignedInt(buf.getShort(58));
        int shnum = Short.toUnsignedInt(buf.getShort(60));
        int shstrndx = Short.toUnsignedInt(buf.getShort(62));

        Optional<String> interpreter = Optional.empty();
        if (phnum > 0) {
            table(b, "program header", phoff, phentsize, phnum, 56);
            for (int i = 0; i < phnum; i++) {
                int h = (int) (phoff + (long) i * phentsize);
                if (buf.getInt(h) == PT_INTERP) {
                    long off = buf.getLong(h + 8);
                    long size = buf.getLong(h + 32);
                    range(b, "PT_INTERP", off, size);
                    interpreter = Optional.of(string(b, off, off + size, "PT_INTERP"));
                }
            }
        }

        List<String> needed = new ArrayList<>();
        List<String> runpath = new ArrayList<>();
        Optional<String> soname = Optional.empty();
        Optional<byte[]> modinfo = Optional.empty();
        if (shnum > 0) {
            table(b, "section header", shoff, shentsize, shnum, 64);
            if (shstrndx >= shnum) {
                throw new ElfFormatException("e_shstrndx " + shstrndx + " is not a section (" + shnum + " sections)");
            }
            Section names = section(buf, b, shoff, shentsize, shstrndx);
            for (int i = 0; i < shnum; i++) {
                Section s = section(buf, b, shoff, shentsize, i);
                if (s.type == SHT_DYNAMIC) {
                    if (s.link >= shnum) {
                        throw new ElfFormatException("SHT_DYNAMIC's sh_link " + s.link + " is not a section");
                    }
                    Section strtab = section(buf, b, shoff, shentsize, (int) s.link);
                    for (long e = s.offset; e + 16 <= s.offset + s.size; e += 16) {
                        long tag = buf.getLong((int) e);
                        long val = buf.getLong((int) e + 8);
                        if (tag == DT_NULL) {
                            break;
                        }
                        if (tag == DT_NEEDED || tag == DT_SONAME || tag == DT_RUNPATH || tag == DT_RPATH) {
                            if (val < 0 || val >= strtab.size) {
                                throw new ElfFormatException("dynamic entry's string offset " + val + " is past .dynstr (" + strtab.size + " bytes)");
                            }
                            String name = string(b, strtab.offset + val, strtab.offset + strtab.size, "DT_NEEDED/DT_SONAME/DT_RUNPATH");
                            if (tag == DT_NEEDED) {
                                needed.add(name);
                            } else if (tag == DT_SONAME) {
                                soname = Optional.of(name);
                            } else {
                                for (String dir : name.split(":")) {
                                    if (!dir.isEmpty()) {
                                        runpath.add(dir);
                                    }
                                }
                            }
                        }
                    }
                }
                if (s.nameOffset < names.size && string(b, names.offset + s.nameOffset, names.offset + names.size, "section name").equals(".modinfo")) {
                    modinfo = Optional.of(java.util.Arrays.copyOfRange(b, (int) s.offset, (int) (s.offset + s.size)));
                }
            }
        }
        return new ElfFile(needed, runpath, soname, interpreter, modinfo);
    }

    /** The libraries it needs, in the file's order ({@code DT_NEEDED}). */
    public List<String> needed() {
        return needed;
    }

    /** The directories of its {@code DT_RUNPATH} and {@code DT_RPATH}, in order ({@code $ORIGIN} as written). */
    public List<String> runpath() {
        return runpath;
    }

    /** Its own name as a shared library ({@code DT_SONAME}). */
    public Optional<String> soname() {
        return soname;
    }

    /** The program interpreter it names (the dynamic loader's path), if it is a dynamic program. */
    public Optional<String> interpreter() {
        return interpreter;
    }

    /**
     * A kernel module's {@code .modinfo} fields, each key with its values in order (a key such as
     * {@code alias} repeats); empty if the file has no such section.
     */
    public Map<String, List<String>> modinfo() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        modinfo.ifPresent(m -> {
            int start = 0;
            for (int i = 0; i <= m.length; i++) {
                if (i == m.length || m[i] == 0) {
                    String field = new String(m, start, i - start, StandardCharsets.UTF_8);
                    int eq = field.indexOf('=');
                    if (eq > 0) {
                        fields.computeIfAbsent(field.substring(0, eq), k -> new ArrayList<>()).add(field.substring(eq + 1));
                    }
                    start = i + 1;
                }
            }
        });
        return fields;
    }

    /** A module's {@code depends=}: the modules it needs loaded first (comma-separated in the file; none if empty). */
    public List<String> moduleDepends() {
        return modinfo().getOrDefault("depends", List.of()).stream().flatMap(d -> java.util.Arrays.stream(d.split(",")))
                .filter(d -> !d.isEmpty()).toList();
    }

    private record Section(long nameOffset, int type, long offset, long size, long link) {
    }

    private static Section section(ByteBuffer buf, byte[] b, long shoff, int shentsize, int i) throws ElfFormatException {
        int h = (int) (shoff + (long) i * shentsize);
        int type = buf.getInt(h + 4);
        long offset = buf.getLong(h + 24);
        long size = buf.getLong(h + 32);
        long link = Integer.toUnsignedLong(buf.getInt(h + 40));
        if (type != 8) { // SHT_NOBITS (.bss) occupies no file bytes
            range(b, "section " + i, offset, size);
        } else {
            size = 0;
        }
        return new Section(Integer.toUnsignedLong(buf.getInt(h)), type, offset, size, link);
    }

    private static void table(byte[] b, String what, long off, int entsize, int num, int minEntsize) throws ElfFormatException {
        if (num > MAX_HEADERS) {
            throw new ElfFormatException(num + " " + what + "s, more than " + MAX_HEADERS);
        }
        if (entsize < minEntsize) {
            throw new ElfFormatException(what + " entries of " + entsize + " bytes, expected at least " + minEntsize);
        }
        range(b, what + " table", off, (long) entsize * num);
    }

    private static void range(byte[] b, String what, long off, long size) throws ElfFormatException {
        if (off < 0 || size < 0 || off > b.length || size > b.length - off) {
            throw new ElfFormatException(what + " at offset " + off + " with " + size + " bytes leaves the file (" + b.length + " bytes)");
        }
    }

    /** The NUL-terminated string at {@code from}, which must end before {@code limit}. */
    private static String string(byte[] b, long from, long limit, String what) throws ElfFormatException {
        long end = Math.min(Math.min(limit, b.length), from + MAX_STRING);
        for (long i = from; i < end; i++) {
            if (b[(int) i] == 0) {
                return new String(b, (int) from, (int) (i - from), StandardCharsets.UTF_8);
            }
        }
        throw new ElfFormatException(what + " string at offset " + from + " has no NUL within its table or " + MAX_STRING + " bytes");
    }
}
