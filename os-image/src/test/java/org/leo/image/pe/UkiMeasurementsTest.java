package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** systemd-stub 252's PCR 11 semantics on hand-made images: name matching, sizes, zero fill. */
class UkiMeasurementsTest {
    static final byte[] KERNEL = TinyPe.standard();

    /** A Jazzer finding: an .initrd with VirtualSize but no raw data whose PointerToRawData is past the end. */
    @Test
    void aMeasuredSectionWithoutRawDataPointingPastTheEndIsMeasuredAsZeros() throws Exception {
        byte[] pe = new TinyPe().section(".linux", KERNEL, KERNEL.length).section(".initrd", new byte[0], 0x100).bytes();
        TinyPe.put32(pe, PeImageTest.TABLE + 40 + 20, 0x7fffff00L);
        UkiMeasurements m = UkiMeasurements.of(PeImage.parse(pe));
        assertThat(m.pcr11Events().get(1).section()).isEqualTo(".initrd");
        assertThat(m.pcr11Events().get(1).dataDigest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[0x100]));
    }

    @Test
    void onlyTheVirtualSizeIsMeasuredAndZerosFillBeyondTheRawData() throws Exception {
        byte[] cmdline = "quiet".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] pe = new TinyPe().section(".linux", KERNEL, KERNEL.length).section(".cmdline", cmdline, 3).bytes();
        UkiMeasurements m = UkiMeasurements.of(PeImage.parse(pe));
        assertThat(m.pcr11Events().get(1).dataDigest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest("qui".getBytes()));
        byte[] big = new TinyPe().section(".linux", KERNEL, KERNEL.length).section(".osrel", cmdline, 0x300).bytes();
        byte[] expected = java.util.Arrays.copyOf(cmdline, 0x300); // raw data 0x200 bytes (padding is zeros too), then zeros
        assertThat(UkiMeasurements.of(PeImage.parse(big)).pcr11Events().get(1).dataDigest())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(expected));
    }

    @Test
    void aHeaderNameMatchesWhenItStartsWithTheStubsNameAndTheLaterMatchWins() throws Exception {
        byte[] pe = new TinyPe().section(".linux", KERNEL, KERNEL.length).section(".osrel", 5).section(".osrelX", 7).section(".pcrsig", 9)
                .section(".uname", 3).bytes();
        UkiMeasurements m = UkiMeasurements.of(PeImage.parse(pe));
        assertThat(m.pcr11Events()).extracting(UkiMeasurements.Event::section).containsExactly(".linux", ".osrel");
        byte[] osrelX = java.util.Arrays.copyOfRange(pe, 0x1000, 0x1007); // after .linux (0x400+0xa00) and .osrel (0x200)
        assertThat(m.pcr11Events().get(1).dataDigest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(osrelX));
    }

    @Test
    void withoutLinuxThereIsNothingToBoot() {
        assertThatThrownBy(() -> UkiMeasurements.of(PeImage.parse(new TinyPe().section(".osrel", 5).bytes())))
                .hasMessage("UKI: no .linux section; systemd-stub would refuse to boot it");
        assertThatThrownBy(() -> UkiMeasurements.of(PeImage.parse(new TinyPe().section(".linux", 80).bytes())))
                .hasMessage("UKI .linux: PE DOS header: expected the magic MZ, got 0x0801; systemd-stub would not start it");
    }

    @Test
    void theTextListsTheEventsInExtendOrder() throws Exception {
        byte[] pe = new TinyPe().section(".cmdline", 4).section(".linux", KERNEL, KERNEL.length).bytes();
        List<String> lines = UkiMeasurements.of(PeImage.parse(pe)).toText().lines().map(l -> l.replaceAll(" [0-9a-f]{64}$", "")).toList();
        assertThat(lines).containsExactly("pcr4 authenticode", "pcr4 linux-authenticode", "pcr11 .linux:name", "pcr11 .linux", "pcr11 .cmdline:name",
                "pcr11 .cmdline", "pcr11 value");
    }

    @Test
    void withAnInitrdTheTextEndsWithItsDigestForPcr9() throws Exception {
        byte[] pe = new TinyPe().section(".initrd", 3).section(".linux", KERNEL, KERNEL.length).bytes();
        UkiMeasurements m = UkiMeasurements.of(PeImage.parse(pe));
        String initrd = java.util.HexFormat.of().formatHex(m.pcr11Events().get(1).dataDigest());
        List<String> lines = m.toText().lines().toList();
        assertThat(lines.stream().map(l -> l.replaceAll(" [0-9a-f]{64}$", ""))).containsExactly("pcr4 authenticode", "pcr4 linux-authenticode",
                "pcr11 .linux:name", "pcr11 .linux", "pcr11 .initrd:name", "pcr11 .initrd", "pcr11 value", "pcr9 initrd");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("pcr9 initrd " + initrd);
    }
}
