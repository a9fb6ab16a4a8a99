package org.leo.image.pe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small, valid PE images for tests: a DOS header (e_lfanew 0x40), the signature, a COFF
 * header, a PE32+ or PE32 optional header with NumberOfRvaAndSizes data directories, the section
 * table, then the sections at FileAlignment 0x200 in table order (or in the order given by
 * {@link #rawOrder}), then trailing bytes. Each byte of section data is distinct per section, so
 * that hashing the wrong range shows.
 */
final class TinyPe {
    static final int FILE_ALIGNMENT = 0x200;
    static final int SECTION_ALIGNMENT = 0x1000;
    static final int E_LFANEW = 0x40;

    record Sec(String name, byte[] data, int virtualSize) {
    }

    int magic = PeImage.PE32_PLUS;
    int machine = 0x8664;
    int rvaAndSizes = 16;
    int sizeOfHeaders = 0x400;
    int majorImageVersion = 1;
    long checkSum = 0x1234;
    long certTableOffset;
    long certTableSize;
    int[] rawOrder;
    byte[] trailing = new byte[0];
    final List<Sec> sections = new ArrayList<>();

    TinyPe section(String name, int length) {
        byte[] d = new byte[length];
        for (int i = 0; i < length; i++) {
            d[i] = (byte) (i * 7 + sections.size() * 31 + 1);
        }
        return section(name, d, length);
    }

    TinyPe section(String name, byte[] data, int virtualSize) {
        sections.add(new Sec(name, data, virtualSize));
        return this;
    }

    /** A PE32+ x86-64 image with a .text of 100 bytes and a .data of 0x300 bytes: the fuzz seed. */
    static byte[] standard() {
        return new TinyPe().section(".text", 100).section(".data", 0x300).bytes();
    }

    byte[] bytes() {
        int fixed = magic == PeImage.PE32 ? 96 : 112;
        int optSize = fixed + rvaAndSizes * 8;
        int table = E_LFANEW + 24 + optSize;
        byte[] head = new byte[sizeOfHeaders];
        head[0] = 'M';
        head[1] = 'Z';
        put32(head, 0x3c, E_LFANEW);
        head[E_LFANEW] = 'P';
        head[E_LFANEW + 1] = 'E';
        int coff = E_LFANEW + 4;
        put16(head, coff, machine);
        put16(head, coff + 2, sections.size());
        put16(head, coff + 16, optSize);
        put16(head, coff + 18, 0x206);
        int opt = coff + 20;
        put16(head, opt, magic);
        put32(head, opt + 16, SECTION_ALIGNMENT); // AddressOfEntryPoint: the first section
        put32(head, opt + 32, SECTION_ALIGNMENT);
        put32(head, opt + 36, FILE_ALIGNMENT);
        put16(head, opt + 48, majorImageVersion);
        put32(head, opt + 60, sizeOfHeaders);
        put32(head, opt + 64, checkSum);
        put16(head, opt + 68, 10); // EFI application
        put32(head, opt + fixed - 4, rvaAndSizes);
        if (rvaAndSizes > 4) {
            put32(head, opt + fixed + 32, certTableOffset);
            put32(head, opt + fixed + 36, certTableSize);
        }
        int[] order = rawOrder != null ? rawOrder : java.util.stream.IntStream.range(0, sections.size()).toArray();
        long[] ptr = new long[sections.size()];
        long at = sizeOfHeaders;
        for (int i : order) {
            ptr[i] = sections.get(i).data().length == 0 ? 0 : at;
            at += align(sections.get(i).data().length);
        }
        long va = SECTION_ALIGNMENT;
        for (int i = 0; i < sections.size(); i++) {
            Sec s = sections.get(i);
            int h = table + i * 40;
            byte[] name = s.name().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, head, h, name.length);
            put32(head, h + 8, s.virtualSize());
            put32(head, h + 12, va);
            put32(head, h + 16, align(s.data().length));
            put32(head, h + 20, ptr[i]);
            put32(head, h + 36, 0x40000040L);
            va += (Math.max(s.virtualSize(), s.data().length) + SECTION_ALIGNMENT - 1) / SECTION_ALIGNMENT * SECTION_ALIGNMENT;
        }
        put32(head, opt + 56, va);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        for (int i : order) {
            byte[] d = sections.get(i).data();
            out.writeBytes(d);
            out.writeBytes(new byte[(int) (align(d.length) - d.length)]);
        }
        out.writeBytes(trailing);
        return out.toByteArray();
    }

    static long align(long n) {
        return (n + FILE_ALIGNMENT - 1) / FILE_ALIGNMENT * FILE_ALIGNMENT;
    }

    static void put16(byte[] b, int at, long v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    static void put32(byte[] b, int at, long v) {
        put16(b, at, v);
        put16(b, at + 2, v >>> 16);
    }
}
