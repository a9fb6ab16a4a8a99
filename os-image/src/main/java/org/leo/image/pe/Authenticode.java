package org.leo.image.pe;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Authenticode image hash of a PE file, exactly as OVMF computes it when it measures an EFI
 * application into PCR 4 (EV_EFI_BOOT_SERVICES_APPLICATION): EDK2
 * SecurityPkg/Tcg/Tcg2Dxe/MeasureBootPeCoff.c, MeasurePeImageAndExtend, steps 1-17, reached from
 * DxeTpm2MeasureBootLib's Tcg2MeasurePeImage through HashLogExtendEvent with PE_COFF_IMAGE. It is
 * the Microsoft "Windows Authenticode Portable Executable Signature Format" hash:
 *
 * <ol>
 *   <li>the headers from offset 0 up to the optional header's CheckSum; skip CheckSum (4 bytes);
 *   <li>if NumberOfRvaAndSizes &gt; 4: up to the Certificate Table entry, skip it (8 bytes), then on
 *       to SizeOfHeaders; else (no Certificate Table entry) on to SizeOfHeaders;
 *   <li>every section with SizeOfRawData &gt; 0, {@code SizeOfRawData} bytes at
 *       {@code PointerToRawData}, in ascending PointerToRawData order (a stable sort: EDK2's
 *       insertion sort keeps ties in table order);
 *   <li>SUM_OF_BYTES_HASHED = SizeOfHeaders + the sections' SizeOfRawData; if the file is longer,
 *       the bytes from offset SUM_OF_BYTES_HASHED up to (file size - Certificate Table size). EDK2
 *       starts there, not at the end of the last section: the two differ only for a file with gaps
 *       or overlaps between sections, and this class follows EDK2. A file shorter than
 *       SUM_OF_BYTES_HASHED + Certificate Table size (but longer than SUM_OF_BYTES_HASHED) is
 *       refused, as EDK2 refuses to measure it (EFI_UNSUPPORTED).
 * </ol>
 *
 * <p>PE32 and PE32+ differ only in where CheckSum and the data directories are ({@link PeImage}).
 * EDK2's old quirk for IA64 images with a PE32 magic (hashed as PE32+) is dropped: newer EDK2
 * dropped it too, and no such image boots here.
 *
 * <p>The same digest is what {@code pesign -h}, sbsign and osslsigncode put in a signature's
 * SpcIndirectDataContent for an image whose length is a multiple of 8 (sbsign pads shorter ones
 * first); AuthenticodeSystemTest cross-checks it against them.
 */
public final class Authenticode {
    private Authenticode() {
    }

    /** The SHA-256 Authenticode hash of {@code image}; throws if it is not a PE image EDK2 would measure. */
    public static byte[] sha256(byte[] image) throws PeFormatException {
        return sha256(PeImage.parse(image));
    }

    /** The SHA-256 Authenticode hash of a parsed image. */
    public static byte[] sha256(PeImage pe) throws PeFormatException {
        MessageDigest md = newSha256();
        for (long[] range : ranges(pe)) {
            md.update(pe.bytes(), (int) range[0], (int) (range[1] - range[0]));
        }
        return md.digest();
    }

    /**
     * The file ranges hashed, {start, end} in order: what {@link #sha256} feeds the digest. Every
     * range lies in the file ({@link PeImage} checked the header and the sections' raw data).
     */
    static List<long[]> ranges(PeImage pe) throws PeFormatException {
        List<long[]> ranges = new ArrayList<>();
        long headers = pe.sizeOfHeaders();
        int checkSum = pe.checkSumOffset();
        add(ranges, 0, checkSum);
        if (pe.dataDirectories().size() <= PeImage.CERTIFICATE_TABLE) {
            add(ranges, checkSum + 4L, headers);
        } else {
            int cert = pe.dataDirectoryOffset(PeImage.CERTIFICATE_TABLE);
            add(ranges, checkSum + 4L, cert);
            add(ranges, cert + (long) PeImage.DATA_DIRECTORY_BYTES, headers);
        }
        long sum = headers;
        List<PeImage.Section> sorted = new ArrayList<>(pe.sections());
        sorted.sort(Comparator.comparingLong(PeImage.Section::pointerToRawData)); // List.sort is stable
        for (PeImage.Section s : sorted) {
            if (s.sizeOfRawData() == 0) {
                continue;
            }
            add(ranges, s.pointerToRawData(), s.rawEnd());
            sum += s.sizeOfRawData();
        }
        long size = pe.length();
        if (size > sum) {
            long cert = pe.certificateTableSize();
            if (size > cert + sum) {
                add(ranges, sum, size - cert);
            } else if (size < cert + sum) {
                throw new PeFormatException("Authenticode: the file's " + size + " bytes are fewer than the " + sum
                        + " hashed plus the Certificate Table's " + cert + "; EDK2 does not measure such an image");
            }
        }
        return ranges;
    }

    /**
     * Adds {start, end}. The header ranges end at SizeOfHeaders, which {@link PeImage} checked to be at
     * or after the section table, hence after CheckSum and the data directories: they are never negative.
     */
    private static void add(List<long[]> ranges, long start, long end) {
        if (end > start) {
            ranges.add(new long[] {start, end});
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
