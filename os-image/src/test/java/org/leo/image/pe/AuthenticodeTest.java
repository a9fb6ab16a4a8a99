package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The Authenticode hash, range by range, against EDK2's MeasurePeImageAndExtend steps. The digest
 * of {@link TinyPe#standard()} is pinned: AuthenticodeSystemTest checks the same file with pesign.
 */
class AuthenticodeTest {
    static final int CHECKSUM = PeImageTest.OPT + 64;
    static final int CERT_ENTRY = PeImageTest.OPT + 112 + 32;

    /** pesign -h -i of TinyPe.standard() (AuthenticodeSystemTest asserts the same). */
    static final String STANDARD_SHA256 = "afebb3d1be68ff689b9fb1d25fb84d1bb23d046aec497d121ca37afb172c1583";

    @Test
    void theStandardImageHashesItsHeadersButCheckSumAndCertificateEntryThenItsSections() throws Exception {
        byte[] pe = TinyPe.standard();
        byte[] expected = sha256(pe, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600, 0x600, 0xa00);
        assertThat(Authenticode.sha256(pe)).isEqualTo(expected);
        assertThat(HexFormat.of().formatHex(expected)).isEqualTo(STANDARD_SHA256);
    }

    @Test
    void theCheckSumAndTheCertificateEntryAreNotHashedEveryOtherHeaderByteIs() throws Exception {
        byte[] digest = Authenticode.sha256(TinyPe.standard());
        for (int i = 0; i < 0x400; i++) {
            byte[] pe = TinyPe.standard();
            pe[i] ^= 1;
            boolean skipped = i >= CHECKSUM && i < CHECKSUM + 4 || i >= CERT_ENTRY && i < CERT_ENTRY + 8;
            byte[] got;
            try {
                got = Authenticode.sha256(pe);
            } catch (PeFormatException malformed) {
                assertThat(skipped).as("byte 0x%x", i).isFalse();
                continue;
            }
            assertThat(got).as("byte 0x%x", i).matches(g -> skipped == java.util.Arrays.equals(g, digest));
        }
    }

    @Test
    void sectionsAreHashedInFileOrderNotTableOrder() throws Exception {
        TinyPe t = new TinyPe().section(".a", 0x200).section(".b", 0x200);
        t.rawOrder = new int[] {1, 0}; // .b's data first in the file
        byte[] pe = t.bytes();
        byte[] expected = sha256(pe, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600, 0x600, 0x800);
        assertThat(Authenticode.sha256(pe)).isEqualTo(expected);
    }

    @Test
    void aSectionWithoutRawDataAddsNothing() throws Exception {
        byte[] pe = new TinyPe().section(".text", 0x200).section(".bss", new byte[0], 0x1000).bytes();
        assertThat(Authenticode.sha256(pe)).isEqualTo(sha256(pe, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600));
    }

    @Test
    void withFourDataDirectoriesThereIsNoCertificateEntryToSkip() throws Exception {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.rvaAndSizes = 4;
        byte[] pe = t.bytes();
        assertThat(Authenticode.sha256(pe)).isEqualTo(sha256(pe, 0, CHECKSUM, CHECKSUM + 4, 0x400, 0x400, 0x600));
    }

    @Test
    void pe32HasItsDataDirectoriesSixteenBytesEarlier() throws Exception {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.magic = PeImage.PE32;
        byte[] pe = t.bytes();
        int cert = PeImageTest.OPT + 96 + 32;
        assertThat(Authenticode.sha256(pe)).isEqualTo(sha256(pe, 0, CHECKSUM, CHECKSUM + 4, cert, cert + 8, 0x400, 0x400, 0x600));
    }

    @Test
    void dataAfterTheLastSectionIsHashedUpToTheCertificateTable() throws Exception {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.trailing = new byte[0x300];
        java.util.Arrays.fill(t.trailing, (byte) 0x5a);
        t.certTableOffset = 0x700;
        t.certTableSize = 0x200;
        byte[] pe = t.bytes();
        assertThat(pe).hasSize(0x900);
        assertThat(Authenticode.sha256(pe))
                .isEqualTo(sha256(pe, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600, 0x600, 0x700));

        t.certTableSize = 0;
        byte[] unsigned = t.bytes();
        assertThat(Authenticode.sha256(unsigned))
                .isEqualTo(sha256(unsigned, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600, 0x600, 0x900));
    }

    @Test
    void aCertificateTableLargerThanTheTrailingDataIsRefusedAsEdk2Does() {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.trailing = new byte[0x100];
        t.certTableOffset = 0x600;
        t.certTableSize = 0x200;
        assertThatThrownBy(() -> Authenticode.sha256(t.bytes())).hasMessage(
                "Authenticode: the file's 1792 bytes are fewer than the 1536 hashed plus the Certificate Table's 512; EDK2 does not measure such an image");
    }

    @Test
    void aCertificateTableExactlyFillingTheTrailingDataHashesNoTrailingBytes() throws Exception {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.trailing = new byte[0x200];
        t.certTableOffset = 0x600;
        t.certTableSize = 0x200;
        byte[] pe = t.bytes();
        assertThat(Authenticode.sha256(pe)).isEqualTo(sha256(pe, 0, CHECKSUM, CHECKSUM + 4, CERT_ENTRY, CERT_ENTRY + 8, 0x400, 0x400, 0x600));
    }

    /** SHA-256 over the ranges {start, end, start, end, ...} of {@code b}. */
    static byte[] sha256(byte[] b, int... ranges) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < ranges.length; i += 2) {
            md.update(b, ranges[i], ranges[i + 1] - ranges[i]);
        }
        return md.digest();
    }
}
