package org.leo.image.pe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A PE/COFF image (an EFI application: systemd-stub, a Linux kernel with its EFI stub, a unified
 * kernel image), parsed from untrusted bytes: the DOS header, the "PE\0\0" signature, the COFF
 * file header, the optional header (PE32 or PE32+) with its data directories, and the section
 * table. Every offset and length is checked against the file before it is read; every count has a
 * named cap. Structure only: what the code does is not judged.
 *
 * <p>Offsets follow the Microsoft PE format specification ("PE Format", learn.microsoft.com). Every
 * header field the hashes and the UKI builder need is checked to lie in the file, and so are the
 * header ({@code SizeOfHeaders}) and every section's raw data, as EDK2's BasePeCoffLib
 * (PeCoffLoaderGetImageInfo) checks them before OVMF measures or loads an image.
 *
 * <p>A deviation from EDK2: EDK2 also accepts an image without a DOS header (the PE signature at
 * offset 0); like systemd-stub, this parser requires "MZ", as every EFI image this project builds
 * or boots has one.
 *
 * <p>The byte array is kept, not copied: the caller must not change it while the image is used.
 */
public final class PeImage {
    /** Size of the DOS header (IMAGE_DOS_HEADER); e_lfanew is its last field, at 0x3c. */
    public static final int DOS_HEADER_BYTES = 64;
    /** The COFF file header after the signature. */
    public static final int COFF_HEADER_BYTES = 20;
    /** One section header (IMAGE_SECTION_HEADER). */
    public static final int SECTION_HEADER_BYTES = 40;
    /** One data directory entry: RVA and size. */
    public static final int DATA_DIRECTORY_BYTES = 8;
    /** Optional header magic of PE32. */
    public static final int PE32 = 0x10b;
    /** Optional header magic of PE32+. */
    public static final int PE32_PLUS = 0x20b;
    /**
     * The PE specification defines 16 data directories, and EDK2's PeCoffLoaderGetPeHeader refuses
     * an image that claims more.
     */
    public static final int MAX_DATA_DIRECTORIES = 16;
    /**
     * The Windows loader's limit, which systemd-stub's verify_pe (src/boot/efi/pe.c, MAX_SECTIONS)
     * also enforces: a UKI with more sections does not boot.
     */
    public static final int MAX_SECTIONS = 96;
    /** Index of the Certificate Table (IMAGE_DIRECTORY_ENTRY_SECURITY) among the data directories. */
    public static final int CERTIFICATE_TABLE = 4;

    /** Optional header bytes before the data directories: PE32 and PE32+. */
    private static final int PE32_FIXED_BYTES = 96;
    private static final int PE32_PLUS_FIXED_BYTES = 112;

    /** A data directory entry: its RVA (for the Certificate Table: a file offset) and size. */
    public record DataDirectory(long address, long size) {
    }

    /**
     * A section header. {@code name} is the 8-byte name up to its first NUL (ISO-8859-1); all
     * numbers are the unsigned 32-bit fields. {@code headerOffset} is where the header is in the file.
     */
    public record Section(String name, long virtualSize, long virtualAddress, long sizeOfRawData, long pointerToRawData,
            long characteristics, int headerOffset) {
        /** The first byte after the section's raw data in the file. */
        public long rawEnd() {
            return pointerToRawData + sizeOfRawData;
        }
    }

    private final byte[] bytes;
    private final int peOffset;
    private final int machine;
    private final long pointerToSymbolTable;
    private final int optionalHeaderOffset;
    private final int optionalHeaderSize;
    private final int magic;
    private final List<DataDirectory> dataDirectories;
    private final int sectionTableOffset;
    private final List<Section> sections;

    private PeImage(byte[] bytes) throws PeFormatException {
        this.bytes = bytes;
        if (bytes.length < DOS_HEADER_BYTES) {
            throw new PeFormatException("PE DOS header: expected at least " + DOS_HEADER_BYTES + " bytes, got " + bytes.length);
        }
        if (bytes[0] != 'M' || bytes[1] != 'Z') {
            throw new PeFormatException("PE DOS header: expected the magic MZ, got 0x" + hex(u16(0), 4));
        }
        long lfanew = u32(0x3c);
        if (lfanew + 4 + COFF_HEADER_BYTES > bytes.length) {
            throw new PeFormatException("PE signature: e_lfanew 0x" + Long.toHexString(lfanew) + " leaves no room for the signature and COFF header in "
                    + bytes.length + " bytes");
        }
        peOffset = (int) lfanew;
        if (bytes[peOffset] != 'P' || bytes[peOffset + 1] != 'E' || bytes[peOffset + 2] != 0 || bytes[peOffset + 3] != 0) {
            throw new PeFormatException("PE signature: expected PE\\0\\0 at 0x" + Integer.toHexString(peOffset) + ", got 0x"
                    + hex(u32(peOffset), 8));
        }
        int coff = peOffset + 4;
        machine = u16(coff);
        int numberOfSections = u16(coff + 2);
        pointerToSymbolTable = u32(coff + 8);
        optionalHeaderSize = u16(coff + 16);
        optionalHeaderOffset = coff + COFF_HEADER_BYTES;
        if (numberOfSections > MAX_SECTIONS) {
            throw new PeFormatException("PE COFF header: " + numberOfSections + " sections, more than the " + MAX_SECTIONS + " a loader accepts");
        }
        int available = bytes.length - optionalHeaderOffset;
        if (available < 2 || optionalHeaderSize < 2) {
            throw new PeFormatException("PE optional header: expected at least 2 bytes, got " + Math.min(available, optionalHeaderSize));
        }
        magic = u16(optionalHeaderOffset);
        int fixed = switch (magic) {
            case PE32 -> PE32_FIXED_BYTES;
            case PE32_PLUS -> PE32_PLUS_FIXED_BYTES;
            default -> throw new PeFormatException("PE optional header: magic 0x" + hex(magic, 4) + " is neither PE32 (0x10b) nor PE32+ (0x20b)");
        };
        if (Math.min(available, optionalHeaderSize) < fixed) {
            throw new PeFormatException("PE optional header: expected at least " + fixed + " bytes, got " + Math.min(available, optionalHeaderSize));
        }
        long rvaAndSizes = u32(optionalHeaderOffset + fixed - 4);
        if (rvaAndSizes > MAX_DATA_DIRECTORIES) {
            throw new PeFormatException("PE optional header: NumberOfRvaAndSizes " + rvaAndSizes + " is more than the " + MAX_DATA_DIRECTORIES
                    + " the format defines");
        }
        int needed = fixed + (int) rvaAndSizes * DATA_DIRECTORY_BYTES;
        if (optionalHeaderSize < needed || available < needed) {
            throw new PeFormatException("PE optional header: expected at least " + needed + " bytes for " + rvaAndSizes + " data directories, got "
                    + Math.min(available, optionalHeaderSize));
        }
        List<DataDirectory> dirs = new ArrayList<>();
        for (int i = 0; i < rvaAndSizes; i++) {
            int at = optionalHeaderOffset + fixed + i * DATA_DIRECTORY_BYTES;
            dirs.add(new DataDirectory(u32(at), u32(at + 4)));
        }
        dataDirectories = List.copyOf(dirs);
        sectionTableOffset = optionalHeaderOffset + optionalHeaderSize;
        long tableEnd = (long) sectionTableOffset + (long) numberOfSections * SECTION_HEADER_BYTES;
        long sizeOfHeaders = sizeOfHeaders();
        if (sizeOfHeaders > bytes.length) {
            throw new PeFormatException("PE optional header: SizeOfHeaders 0x" + Long.toHexString(sizeOfHeaders) + " is beyond the file's "
                    + bytes.length + " bytes");
        }
        if (tableEnd > sizeOfHeaders) {
            throw new PeFormatException("PE section table: ends at 0x" + Long.toHexString(tableEnd) + ", beyond SizeOfHeaders 0x"
                    + Long.toHexString(sizeOfHeaders));
        }
        List<Section> list = new ArrayList<>();
        for (int i = 0; i < numberOfSections; i++) {
            int h = sectionTableOffset + i * SECTION_HEADER_BYTES;
            Section s = new Section(name(h), u32(h + 8), u32(h + 12), u32(h + 16), u32(h + 20), u32(h + 36), h);
            if (s.sizeOfRawData() > 0 && s.rawEnd() > bytes.length) {
                throw new PeFormatException("PE section " + i + " (" + s.name() + "): raw data 0x" + Long.toHexString(s.pointerToRawData()) + "+0x"
                        + Long.toHexString(s.sizeOfRawData()) + " ends beyond the file's " + bytes.length + " bytes");
            }
            list.add(s);
        }
        sections = List.copyOf(list);
    }

    /** Parses {@code bytes}; throws {@link PeFormatException} (and nothing else) if they are not a PE image. */
    public static PeImage parse(byte[] bytes) throws PeFormatException {
        return new PeImage(bytes);
    }

    /** The image's bytes: the array given to {@link #parse}, not a copy. */
    byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    /** File offset of the "PE\0\0" signature (e_lfanew). */
    public int peOffset() {
        return peOffset;
    }

    /** COFF Machine (0x8664 x86-64, 0xaa64 arm64, 0x14c i386). */
    public int machine() {
        return machine;
    }

    public int numberOfSections() {
        return sections.size();
    }

    /** File offset of the COFF symbol table, 0 if none (EFI images normally have none; Debian's stub has one). */
    public long pointerToSymbolTable() {
        return pointerToSymbolTable;
    }

    /** {@link #PE32} or {@link #PE32_PLUS}. */
    public int magic() {
        return magic;
    }

    public int optionalHeaderOffset() {
        return optionalHeaderOffset;
    }

    public int sizeOfOptionalHeader() {
        return optionalHeaderSize;
    }

    public long sizeOfInitializedData() {
        return u32(optionalHeaderOffset + 8);
    }

    public long sectionAlignment() {
        return u32(optionalHeaderOffset + 32);
    }

    public long fileAlignment() {
        return u32(optionalHeaderOffset + 36);
    }

    public long sizeOfImage() {
        return u32(optionalHeaderOffset + 56);
    }

    public long sizeOfHeaders() {
        return u32(optionalHeaderOffset + 60);
    }

    public long checkSum() {
        return u32(checkSumOffset());
    }

    /** File offset of the CheckSum field: at 64 in the optional header of both PE32 and PE32+. */
    public int checkSumOffset() {
        return optionalHeaderOffset + 64;
    }

    /** The data directories, {@code NumberOfRvaAndSizes} of them (at most {@link #MAX_DATA_DIRECTORIES}). */
    public List<DataDirectory> dataDirectories() {
        return dataDirectories;
    }

    /** File offset of data directory {@code index}, which may be beyond NumberOfRvaAndSizes (then it is not a directory). */
    public int dataDirectoryOffset(int index) {
        return optionalHeaderOffset + (magic == PE32 ? PE32_FIXED_BYTES : PE32_PLUS_FIXED_BYTES) + index * DATA_DIRECTORY_BYTES;
    }

    /** The Certificate Table's size, 0 if the image has no such directory (NumberOfRvaAndSizes &lt;= 4). */
    public long certificateTableSize() {
        return dataDirectories.size() > CERTIFICATE_TABLE ? dataDirectories.get(CERTIFICATE_TABLE).size() : 0;
    }

    /** File offset of the first section header. */
    public int sectionTableOffset() {
        return sectionTableOffset;
    }

    /** The section headers in table order. */
    public List<Section> sections() {
        return sections;
    }

    /** A copy of {@code length} bytes at {@code offset}, which the caller has checked to lie in the file. */
    byte[] slice(long offset, long length) {
        return Arrays.copyOfRange(bytes, (int) offset, (int) (offset + length));
    }

    private String name(int at) {
        int n = 0;
        while (n < 8 && bytes[at + n] != 0) {
            n++;
        }
        return new String(bytes, at, n, StandardCharsets.ISO_8859_1);
    }

    private int u16(int at) {
        return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8;
    }

    private long u32(int at) {
        return (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16 | (bytes[at + 3] & 0xffL) << 24;
    }

    private static String hex(long v, int digits) {
        return String.format("%0" + digits + "x", v);
    }
}
