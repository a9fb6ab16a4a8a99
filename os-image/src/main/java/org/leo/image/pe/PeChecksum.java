package org.leo.image.pe;

/**
 * The optional header's CheckSum, as Windows' imagehlp CheckSumMappedFile, binutils (objcopy, ld)
 * and pefile compute it: the ones' complement sum of the file's 16-bit little-endian words (an odd
 * last byte padded with zero), the CheckSum field itself counted as zero, folded to 16 bits, plus
 * the file's length. UEFI firmware does not check it, and Authenticode skips it, so it changes no
 * measurement; {@link UkiBuilder} sets it anyway so that its output matches what objcopy writes.
 */
public final class PeChecksum {
    private PeChecksum() {
    }

    /** The checksum of {@code image}, whose CheckSum field is the 4 bytes at {@code checkSumOffset}. */
    public static long of(byte[] image, int checkSumOffset) {
        long sum = 0;
        for (int i = 0; i < image.length; i += 2) {
            sum += at(image, i, checkSumOffset) | at(image, i + 1, checkSumOffset) << 8;
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        return (sum + image.length) & 0xffffffffL;
    }

    /** Byte {@code i}, zero past the end and inside the CheckSum field. */
    private static int at(byte[] image, int i, int checkSumOffset) {
        boolean field = i >= checkSumOffset && i < checkSumOffset + 4;
        return i < image.length && !field ? image[i] & 0xff : 0;
    }
}
