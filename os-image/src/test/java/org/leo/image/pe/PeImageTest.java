package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PeImageTest {
    /** Optional header, CheckSum, data directories and section table of {@link TinyPe#standard()}. */
    static final int OPT = 0x58;
    static final int TABLE = OPT + 240;

    @Test
    void parsesThePe32PlusHeadersAndSections() throws Exception {
        PeImage pe = PeImage.parse(TinyPe.standard());
        assertThat(pe.peOffset()).isEqualTo(0x40);
        assertThat(pe.machine()).isEqualTo(0x8664);
        assertThat(pe.magic()).isEqualTo(PeImage.PE32_PLUS);
        assertThat(pe.optionalHeaderOffset()).isEqualTo(OPT);
        assertThat(pe.checkSumOffset()).isEqualTo(OPT + 64);
        assertThat(pe.checkSum()).isEqualTo(0x1234);
        assertThat(pe.dataDirectoryOffset(PeImage.CERTIFICATE_TABLE)).isEqualTo(OPT + 112 + 32);
        assertThat(pe.dataDirectories()).hasSize(16);
        assertThat(pe.sectionTableOffset()).isEqualTo(TABLE);
        assertThat(pe.sizeOfHeaders()).isEqualTo(0x400);
        assertThat(pe.fileAlignment()).isEqualTo(0x200);
        assertThat(pe.sectionAlignment()).isEqualTo(0x1000);
        assertThat(pe.sizeOfImage()).isEqualTo(0x3000);
        assertThat(pe.sections()).extracting(PeImage.Section::name).containsExactly(".text", ".data");
        assertThat(pe.sections().get(1)).isEqualTo(new PeImage.Section(".data", 0x300, 0x2000, 0x400, 0x600, 0x40000040L, TABLE + 40));
        assertThat(pe.length()).isEqualTo(0xa00);
    }

    @Test
    void parsesPe32WithItsShorterOptionalHeader() throws Exception {
        TinyPe t = new TinyPe().section(".text", 10);
        t.magic = PeImage.PE32;
        t.machine = 0x14c;
        PeImage pe = PeImage.parse(t.bytes());
        assertThat(pe.magic()).isEqualTo(PeImage.PE32);
        assertThat(pe.dataDirectoryOffset(4)).isEqualTo(OPT + 96 + 32);
        assertThat(pe.sizeOfOptionalHeader()).isEqualTo(96 + 128);
        assertThat(pe.sections()).hasSize(1);
    }

    @Test
    void anImageWithFewerThanFiveDataDirectoriesHasNoCertificateTable() throws Exception {
        TinyPe t = new TinyPe().section(".text", 10);
        t.rvaAndSizes = 4;
        PeImage pe = PeImage.parse(t.bytes());
        assertThat(pe.dataDirectories()).hasSize(4);
        assertThat(pe.certificateTableSize()).isZero();
    }

    @Test
    void edgeLengths() {
        assertThatThrownBy(() -> PeImage.parse(new byte[0])).hasMessage("PE DOS header: expected at least 64 bytes, got 0");
        assertThatThrownBy(() -> PeImage.parse(new byte[63])).hasMessage("PE DOS header: expected at least 64 bytes, got 63");
        byte[] dos = new byte[64];
        dos[0] = 'M';
        dos[1] = 'Z';
        assertThatThrownBy(() -> PeImage.parse(dos)).hasMessage("PE signature: expected PE\\0\\0 at 0x0, got 0x00005a4d");
        dos[0x3c] = 0x30;
        assertThatThrownBy(() -> PeImage.parse(dos))
                .hasMessage("PE signature: e_lfanew 0x30 leaves no room for the signature and COFF header in 64 bytes");
    }

    @Test
    void everyTruncationIsAFormatErrorNeverAnotherException() {
        byte[] pe = TinyPe.standard();
        for (int n = 0; n < pe.length; n++) {
            byte[] cut = Arrays.copyOf(pe, n);
            assertThatThrownBy(() -> PeImage.parse(cut)).as("%d bytes", n).isInstanceOf(PeFormatException.class);
        }
    }

    @Test
    void malformedHeadersByName() {
        assertThatThrownBy(() -> PeImage.parse(with(0, 'N'))).hasMessage("PE DOS header: expected the magic MZ, got 0x5a4e");
        assertThatThrownBy(() -> PeImage.parse(with32(0x3c, 0xffffffffL)))
                .hasMessage("PE signature: e_lfanew 0xffffffff leaves no room for the signature and COFF header in 2560 bytes");
        assertThatThrownBy(() -> PeImage.parse(with(0x40, 'X'))).hasMessage("PE signature: expected PE\\0\\0 at 0x40, got 0x00004558");
        assertThatThrownBy(() -> PeImage.parse(with16(0x44 + 2, 97))).hasMessage("PE COFF header: 97 sections, more than the 96 a loader accepts");
        assertThatThrownBy(() -> PeImage.parse(with16(0x44 + 16, 40))).hasMessage("PE optional header: expected at least 112 bytes, got 40");
        assertThatThrownBy(() -> PeImage.parse(with16(0x44 + 16, 1))).hasMessage("PE optional header: expected at least 2 bytes, got 1");
        assertThatThrownBy(() -> PeImage.parse(with16(OPT, 0x107)))
                .hasMessage("PE optional header: magic 0x0107 is neither PE32 (0x10b) nor PE32+ (0x20b)");
        assertThatThrownBy(() -> PeImage.parse(with32(OPT + 108, 17)))
                .hasMessage("PE optional header: NumberOfRvaAndSizes 17 is more than the 16 the format defines");
        assertThatThrownBy(() -> PeImage.parse(with16(0x44 + 16, 200)))
                .hasMessage("PE optional header: expected at least 240 bytes for 16 data directories, got 200");
        assertThatThrownBy(() -> PeImage.parse(with32(OPT + 60, 0x10000)))
                .hasMessage("PE optional header: SizeOfHeaders 0x10000 is beyond the file's 2560 bytes");
        assertThatThrownBy(() -> PeImage.parse(with32(OPT + 60, 0x100)))
                .hasMessage("PE section table: ends at 0x198, beyond SizeOfHeaders 0x100");
        assertThatThrownBy(() -> PeImage.parse(with32(TABLE + 40 + 16, 0x800)))
                .hasMessage("PE section 1 (.data): raw data 0x600+0x800 ends beyond the file's 2560 bytes");
        assertThatThrownBy(() -> PeImage.parse(with32(TABLE + 40 + 20, 0xfffffe00L)))
                .hasMessage("PE section 1 (.data): raw data 0xfffffe00+0x400 ends beyond the file's 2560 bytes");
    }

    @Test
    void aSectionWithoutRawDataMayPointAnywhere() throws Exception {
        PeImage pe = PeImage.parse(new TinyPe().section(".text", 16).section(".bss", new byte[0], 0x5000).bytes());
        assertThat(pe.sections().get(1).sizeOfRawData()).isZero();
        assertThat(pe.sections().get(1).virtualSize()).isEqualTo(0x5000);
    }

    @Test
    void aFullEightCharacterNameHasNoNul() throws Exception {
        PeImage pe = PeImage.parse(new TinyPe().section(".cmdline", 5).bytes());
        assertThat(pe.sections().get(0).name()).isEqualTo(".cmdline");
    }

    static byte[] with(int at, int b) {
        byte[] pe = TinyPe.standard();
        pe[at] = (byte) b;
        return pe;
    }

    static byte[] with16(int at, long v) {
        byte[] pe = TinyPe.standard();
        TinyPe.put16(pe, at, v);
        return pe;
    }

    static byte[] with32(int at, long v) {
        byte[] pe = TinyPe.standard();
        TinyPe.put32(pe, at, v);
        return pe;
    }
}
