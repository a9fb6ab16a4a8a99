package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The UKI's layout, header fields and measurements, on a tiny stub and kernel made by {@link TinyPe}. */
class UkiBuilderTest {
    static final byte[] KERNEL = TinyPe.standard();
    static final List<UkiBuilder.Section> SECTIONS = List.of(new UkiBuilder.Section(".osrel", "ID=leo\n"),
            new UkiBuilder.Section(".cmdline", "console=ttyS0,115200 quiet"), new UkiBuilder.Section(".uname", "6.1.0-57-amd64"),
            new UkiBuilder.Section(".linux", KERNEL), new UkiBuilder.Section(".initrd", new byte[5000]));

    static byte[] stub() {
        return new TinyPe().section(".text", 0x1234).section(".sdmagic", 0x34).bytes();
    }

    @Test
    void appendsTheSectionsAfterTheStubsAlignedAndUpdatesTheHeader() throws Exception {
        byte[] stub = stub();
        UkiBuilder.Uki uki = UkiBuilder.build(stub, SECTIONS);
        PeImage pe = PeImage.parse(uki.image());
        assertThat(pe.sections()).extracting(PeImage.Section::name)
                .containsExactly(".text", ".sdmagic", ".osrel", ".cmdline", ".uname", ".linux", ".initrd");
        // the stub: .text raw 0x400+0x1400, .sdmagic 0x1800+0x200; VMAs 0x1000 (0x1234 bytes) and 0x3000; SizeOfImage 0x4000
        assertThat(pe.sections().subList(2, 7)).containsExactly(
                new PeImage.Section(".osrel", 7, 0x4000, 0x200, 0x1a00, 0x40000040L, 0x148 + 2 * 40),
                new PeImage.Section(".cmdline", 26, 0x5000, 0x200, 0x1c00, 0x40000040L, 0x148 + 3 * 40),
                new PeImage.Section(".uname", 14, 0x6000, 0x200, 0x1e00, 0x40000040L, 0x148 + 4 * 40),
                new PeImage.Section(".linux", KERNEL.length, 0x7000, 0xa00, 0x2000, 0x40000040L, 0x148 + 5 * 40),
                new PeImage.Section(".initrd", 5000, 0x8000, 0x1400, 0x2a00, 0x40000040L, 0x148 + 6 * 40));
        assertThat(pe.length()).isEqualTo(0x3e00);
        assertThat(pe.sizeOfImage()).isEqualTo(0xa000); // 0x8000 + 5000 bytes, rounded up to SectionAlignment
        assertThat(pe.sizeOfInitializedData()).isEqualTo(0x200 * 3 + 0xa00 + 0x1400);
        assertThat(pe.checkSum()).isEqualTo(PeChecksum.of(uki.image(), pe.checkSumOffset())).isNotZero();
        assertThat(Arrays.copyOfRange(uki.image(), 0x2000, 0x2000 + KERNEL.length)).isEqualTo(KERNEL);
        assertThat(Arrays.copyOfRange(uki.image(), 0x1c00, 0x1c00 + 26)).isEqualTo("console=ttyS0,115200 quiet".getBytes(StandardCharsets.US_ASCII));
        assertThat(Arrays.copyOfRange(uki.image(), 0x1c00 + 26, 0x1e00)).containsOnly(0);
        assertThat(Arrays.copyOf(uki.image(), 0x1a00)).as("the stub's bytes but the header fields")
                .isEqualTo(withHeaderOf(stub, uki.image(), 0x1a00));
    }

    @Test
    void twoBuildsOfTheSameInputsAreByteIdentical() throws Exception {
        assertThat(UkiBuilder.build(stub(), SECTIONS).image()).isEqualTo(UkiBuilder.build(stub(), SECTIONS).image());
    }

    @Test
    void measuresWhatSystemdStub252Measures() throws Exception {
        UkiBuilder.Uki uki = UkiBuilder.build(stub(), SECTIONS);
        UkiMeasurements m = uki.measurements();
        assertThat(m.authenticode()).isEqualTo(Authenticode.sha256(uki.image()));
        assertThat(m.linuxAuthenticode()).isEqualTo(Authenticode.sha256(KERNEL));
        // unified_sections[] order, not the file's; .uname is unknown to 252
        assertThat(m.pcr11Events()).extracting(UkiMeasurements.Event::section).containsExactly(".linux", ".osrel", ".cmdline", ".initrd");
        UkiMeasurements.Event linux = m.pcr11Events().get(0);
        assertThat(linux.nameDigest()).isEqualTo(sha256(".linux\0".getBytes(StandardCharsets.US_ASCII)));
        assertThat(linux.dataDigest()).isEqualTo(sha256(KERNEL));
        assertThat(m.pcr11Events().get(2).dataDigest()).isEqualTo(sha256("console=ttyS0,115200 quiet".getBytes(StandardCharsets.US_ASCII)));
        byte[] pcr = new byte[32];
        for (UkiMeasurements.Event e : m.pcr11Events()) {
            pcr = sha256(concat(sha256(concat(pcr, e.nameDigest())), e.dataDigest()));
        }
        assertThat(m.pcr11()).isEqualTo(pcr);
        assertThat(m.toText().lines().toList()).hasSize(2 + 2 * 4 + 1 + 1).first().asString().startsWith("pcr4 authenticode ");
        assertThat(m.toText()).contains("\npcr11 .linux:name 0da293e37ad5511c59be47993769aacb91b243f7d010288e118dc90e95aaef5a\n") // SHA-256 of ".linux\0"
                .contains("\npcr11 .linux " + java.util.HexFormat.of().formatHex(sha256(KERNEL)) + "\n");
    }

    @Test
    void theStubsBytesAfterItsLastSectionMoveToTheEndWithTheSymbolTablePointer() throws Exception {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.trailing = "symbols and strings".getBytes(StandardCharsets.US_ASCII);
        byte[] stub = t.bytes();
        TinyPe.put32(stub, 0x44 + 8, 0x600); // PointerToSymbolTable: just after .text
        byte[] out = UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".linux", KERNEL))).image();
        assertThat(out).hasSize(0x600 + 0xa00 + t.trailing.length);
        assertThat(Arrays.copyOfRange(out, 0x1000, out.length)).isEqualTo(t.trailing);
        assertThat(PeImage.parse(out).pointerToSymbolTable()).isEqualTo(0x1000);
    }

    @Test
    void refusals() {
        byte[] stub = stub();
        assertThatThrownBy(() -> UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".osrel", "ID=leo"))))
                .hasMessage("UKI: no .linux section; systemd-stub would refuse to boot it");
        assertThatThrownBy(() -> UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".linux", KERNEL), new UkiBuilder.Section(".linux", KERNEL))))
                .hasMessage("UKI section .linux: the stub or an earlier section already has this name");
        assertThatThrownBy(() -> UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".linux", KERNEL), new UkiBuilder.Section(".text", "x"))))
                .hasMessage("UKI section .text: the stub or an earlier section already has this name");
        assertThatThrownBy(() -> UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".linux", KERNEL), new UkiBuilder.Section(".cmdline", ""))))
                .hasMessage("UKI section .cmdline is empty: systemd-stub treats a section of size 0 as absent");
        for (String bad : List.of("linux", ".", ".toolongx", ".a b", ".é")) {
            assertThatThrownBy(() -> UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".linux", KERNEL), new UkiBuilder.Section(bad, "x"))))
                    .hasMessage("UKI section name \"" + bad + "\": expected '.' and 1 to 7 more printable ASCII characters");
        }
        TinyPe signed = new TinyPe().section(".text", 0x200);
        signed.trailing = new byte[0x100];
        signed.certTableOffset = 0x600;
        signed.certTableSize = 0x100;
        assertThatThrownBy(() -> UkiBuilder.build(signed.bytes(), SECTIONS)).hasMessage("UKI stub: it is signed (a Certificate Table of 256 bytes)"
                + " and adding sections would break the signature; build from the unsigned stub and sign the UKI");
    }

    @Test
    void aStubWithoutHeaderRoomIsRefusedWithASentence() {
        TinyPe t = new TinyPe().section(".text", 0x200);
        t.sizeOfHeaders = 0x200; // the section table ends at 0x170: room for 3 headers before 0x200
        assertThatThrownBy(() -> UkiBuilder.build(t.bytes(), SECTIONS))
                .hasMessage("UKI stub: its headers have room for 3 more section headers before 0x200, not the 5 to add");
        byte[] dirty = stub();
        dirty[0x198 + 100] = 1; // in the slack where the new headers go
        assertThatThrownBy(() -> UkiBuilder.build(dirty, SECTIONS))
                .hasMessage("UKI stub: the header bytes after its section table (0x198-0x260) are not zero; refusing to overwrite them");
    }

    static byte[] withHeaderOf(byte[] stub, byte[] uki, int length) {
        byte[] expected = Arrays.copyOf(stub, length);
        int coff = 0x44;
        int opt = 0x58;
        for (int at : new int[] {coff + 2, opt + 8, opt + 10, opt + 56, opt + 58, opt + 64, opt + 66}) {
            expected[at] = uki[at];
            expected[at + 1] = uki[at + 1];
        }
        System.arraycopy(uki, 0x198, expected, 0x198, 5 * 40);
        return expected;
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
