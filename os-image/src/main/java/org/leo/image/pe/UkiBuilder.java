package org.leo.image.pe;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Assembles a unified kernel image (UKI): systemd-stub's PE file with the boot payload appended as
 * sections ({@code .osrel}, {@code .cmdline}, optional {@code .uname}, {@code .linux},
 * {@code .initrd}), one EFI application that OVMF measures whole into PCR 4 and systemd-stub
 * section by section into PCR 11 ({@link UkiMeasurements}). Pure Java and deterministic: the same
 * stub and sections give the same bytes; nothing of the machine or the time is written.
 *
 * <p>What {@code objcopy --add-section NAME=FILE --change-section-vma NAME=VMA} does, with the VMAs
 * chosen here: the new section headers go after the stub's in the header's free space; their data
 * after the stub's last section, each at a FileAlignment-aligned offset with SizeOfRawData =
 * its length rounded up to FileAlignment (zero padding) and VirtualSize = its exact length (so
 * systemd-stub measures the contents, not the padding); their VirtualAddresses follow the stub's
 * image, each aligned to max(SectionAlignment, 4 KiB) so that every payload starts on a page, as the
 * firmware's page protections and the kernel's own loader expect (systemd's ukify aligns likewise).
 * Characteristics are initialized read-only data (0x40000040), as objcopy gives them. The stub's
 * bytes after its last section (Debian's stub has a COFF symbol table there) are moved to the end of
 * the file and PointerToSymbolTable follows them, as objcopy moves them; no gap is left between
 * sections, so the Authenticode hash covers every byte but CheckSum and the Certificate Table entry.
 *
 * <p>Header fields updated: NumberOfSections, SizeOfImage (the end of the last section, rounded up
 * to SectionAlignment), SizeOfInitializedData (plus the new SizeOfRawData), PointerToSymbolTable
 * (if moved) and CheckSum, computed by {@link PeChecksum} as objcopy does: no firmware checks it and
 * Authenticode skips it, but a correct one lets this output be compared byte for byte with
 * objcopy's (UkiBuilderSystemTest does).
 *
 * <p>Refused, each with a sentence: a signed stub (adding sections breaks its signature), a stub
 * without header room for the new section headers, a section name that is not 1-8 printable ASCII
 * characters starting with '.', a duplicate or one the stub already has, an empty section
 * (systemd-stub treats size 0 as absent), no {@code .linux}, more than {@link PeImage#MAX_SECTIONS}
 * sections, or a UKI over {@link #MAX_UKI_BYTES}.
 */
public final class UkiBuilder {
    /** Payload sections start on a page at least: firmware sets page attributes per section. */
    public static final long PAGE = 4096;
    /** The output is one Java array; a kernel and initramfs are tens of MiB, far below 1 GiB. */
    public static final long MAX_UKI_BYTES = 1L << 30;
    /** IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ: what objcopy gives an added section. */
    public static final long SECTION_CHARACTERISTICS = 0x40000040L;
    /** The PE specification's upper bound for FileAlignment; it must also be a power of two. */
    private static final long MAX_FILE_ALIGNMENT = 0x10000;

    /** A section to add: its name (".linux") and contents. */
    public record Section(String name, byte[] data) {
        public Section(String name, String text) {
            this(name, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The UKI's bytes and what booting it measures. */
    public record Uki(byte[] image, UkiMeasurements measurements) {
    }

    private UkiBuilder() {
    }

    /** The UKI of {@code stub} (systemd-stub's {@code linux*.efi.stub}) with {@code sections} appended in that order. */
    public static Uki build(byte[] stub, List<Section> sections) throws PeFormatException {
        PeImage pe = PeImage.parse(stub);
        check(pe, sections);
        long fileAlignment = pe.fileAlignment();
        long vmaAlignment = Math.max(pe.sectionAlignment(), PAGE);
        long oldRawEnd = pe.sizeOfHeaders();
        long vmaEnd = pe.sizeOfImage();
        for (PeImage.Section s : pe.sections()) {
            if (s.sizeOfRawData() > 0) {
                oldRawEnd = Math.max(oldRawEnd, s.rawEnd());
            }
            vmaEnd = Math.max(vmaEnd, s.virtualAddress() + (s.virtualSize() == 0 ? s.sizeOfRawData() : s.virtualSize()));
        }
        int n = sections.size();
        long[] offsets = new long[n];
        long[] rawSizes = new long[n];
        long[] vmas = new long[n];
        long offset = align(oldRawEnd, fileAlignment);
        long vma = align(vmaEnd, vmaAlignment);
        long addedRaw = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = offset;
            rawSizes[i] = align(sections.get(i).data().length, fileAlignment);
            vmas[i] = vma;
            offset += rawSizes[i];
            addedRaw += rawSizes[i];
            vma = align(vma + sections.get(i).data().length, vmaAlignment);
        }
        long lastEnd = vmas[n - 1] + sections.get(n - 1).data().length;
        long trailing = stub.length - oldRawEnd;
        long total = offset + trailing;
        if (total > MAX_UKI_BYTES || lastEnd > 0xffffffffL || pe.sizeOfInitializedData() + addedRaw > 0xffffffffL) {
            throw new PeFormatException("UKI: " + total + " bytes with sections up to address 0x" + Long.toHexString(lastEnd)
                    + " is more than the " + MAX_UKI_BYTES + " bytes (and 32-bit addresses) this builder writes");
        }
        byte[] out = new byte[(int) total];
        System.arraycopy(stub, 0, out, 0, (int) oldRawEnd);
        for (int i = 0; i < n; i++) {
            byte[] data = sections.get(i).data();
            System.arraycopy(data, 0, out, (int) offsets[i], data.length);
            int h = pe.sectionTableOffset() + (pe.numberOfSections() + i) * PeImage.SECTION_HEADER_BYTES;
            byte[] name = sections.get(i).name().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(name, 0, out, h, name.length);
            put32(out, h + 8, data.length);
            put32(out, h + 12, vmas[i]);
            put32(out, h + 16, rawSizes[i]);
            put32(out, h + 20, offsets[i]);
            put32(out, h + 36, SECTION_CHARACTERISTICS);
        }
        System.arraycopy(stub, (int) oldRawEnd, out, (int) offset, (int) trailing);
        int coff = pe.peOffset() + 4;
        put16(out, coff + 2, pe.numberOfSections() + n);
        long symbols = pe.pointerToSymbolTable();
        if (symbols != 0 && symbols >= oldRawEnd && symbols < stub.length) {
            put32(out, coff + 8, symbols + (offset - oldRawEnd));
        }
        int opt = pe.optionalHeaderOffset();
        put32(out, opt + 8, pe.sizeOfInitializedData() + addedRaw);
        put32(out, opt + 56, align(lastEnd, pe.sectionAlignment()));
        put32(out, pe.checkSumOffset(), 0);
        put32(out, pe.checkSumOffset(), PeChecksum.of(out, pe.checkSumOffset()));
        return new Uki(out, UkiMeasurements.of(PeImage.parse(out)));
    }

    private static void check(PeImage pe, List<Section> sections) throws PeFormatException {
        if (pe.certificateTableSize() != 0) {
            throw new PeFormatException("UKI stub: it is signed (a Certificate Table of " + pe.certificateTableSize()
                    + " bytes) and adding sections would break the signature; build from the unsigned stub and sign the UKI");
        }
        long fa = pe.fileAlignment();
        long sa = pe.sectionAlignment();
        if (Long.bitCount(fa) != 1 || fa > MAX_FILE_ALIGNMENT || Long.bitCount(sa) != 1 || sa < fa) {
            throw new PeFormatException("UKI stub: FileAlignment 0x" + Long.toHexString(fa) + " and SectionAlignment 0x" + Long.toHexString(sa)
                    + " are not powers of two with FileAlignment <= SectionAlignment and <= 64 KiB");
        }
        if (sections.isEmpty() || sections.stream().noneMatch(s -> s.name().equals(".linux"))) {
            throw new PeFormatException("UKI: no .linux section; systemd-stub would refuse to boot it");
        }
        Set<String> names = new HashSet<>();
        pe.sections().forEach(s -> names.add(s.name()));
        for (Section s : sections) {
            if (!s.name().matches("\\.[\\x21-\\x7e]{0,7}") || s.name().length() < 2) {
                throw new PeFormatException("UKI section name \"" + s.name() + "\": expected '.' and 1 to 7 more printable ASCII characters");
            }
            if (!names.add(s.name())) {
                throw new PeFormatException("UKI section " + s.name() + ": the stub or an earlier section already has this name");
            }
            if (s.data().length == 0) {
                throw new PeFormatException("UKI section " + s.name() + " is empty: systemd-stub treats a section of size 0 as absent");
            }
        }
        int count = pe.numberOfSections() + sections.size();
        if (count > PeImage.MAX_SECTIONS) {
            throw new PeFormatException("UKI: " + count + " sections, more than the " + PeImage.MAX_SECTIONS + " systemd-stub accepts");
        }
        long tableEnd = pe.sectionTableOffset() + (long) pe.numberOfSections() * PeImage.SECTION_HEADER_BYTES;
        long newEnd = tableEnd + (long) sections.size() * PeImage.SECTION_HEADER_BYTES;
        long limit = pe.sizeOfHeaders();
        for (PeImage.Section s : pe.sections()) {
            if (s.sizeOfRawData() > 0) {
                limit = Math.min(limit, s.pointerToRawData());
            }
        }
        if (newEnd > limit) {
            throw new PeFormatException("UKI stub: its headers have room for " + Math.max(0, (limit - tableEnd) / PeImage.SECTION_HEADER_BYTES)
                    + " more section headers before 0x" + Long.toHexString(limit) + ", not the " + sections.size() + " to add");
        }
        byte[] b = pe.bytes();
        for (long i = tableEnd; i < newEnd; i++) {
            if (b[(int) i] != 0) {
                throw new PeFormatException("UKI stub: the header bytes after its section table (0x" + Long.toHexString(tableEnd) + "-0x"
                        + Long.toHexString(newEnd) + ") are not zero; refusing to overwrite them");
            }
        }
    }

    static long align(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static void put16(byte[] b, int at, long v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    private static void put32(byte[] b, int at, long v) {
        put16(b, at, v);
        put16(b, at + 2, v >>> 16);
    }
}
