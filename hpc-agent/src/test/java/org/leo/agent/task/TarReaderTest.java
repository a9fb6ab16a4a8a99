package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tar reader's header fields, pax records and names, with the exact refusal sentences. */
class TarReaderTest {
    private static List<TarReader.Entry> entries(byte[] tar) throws Exception {
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        List<TarReader.Entry> out = new ArrayList<>();
        for (TarReader.Entry e = r.next(); e != null; e = r.next()) {
            out.add(e);
        }
        return out;
    }

    @Test
    void readsFilesDirectoriesAndLinks() throws Exception {
        byte[] tar = new TarWriter().dir("./d").file("d/f", 0644, new byte[513]).symlink("d/l", "f").finish();
        assertThat(entries(tar)).containsExactly(new TarReader.Entry("d", '5', 0, ""), new TarReader.Entry("d/f", '0', 513, ""),
                new TarReader.Entry("d/l", '2', 0, "f"));
    }

    @Test
    void entrySizesAtTheBlockEdges() throws Exception {
        for (int size : new int[] {0, 1, 511, 512, 513}) {
            byte[] data = new byte[size];
            if (size > 0) {
                data[size - 1] = 7;
            }
            byte[] tar = new TarWriter().file("a", 0644, data).file("b", 0644, new byte[] {9}).finish();
            TarReader r = new TarReader(new ByteArrayInputStream(tar));
            assertThat(r.next().size()).isEqualTo(size);
            assertThat(r.content().readAllBytes()).isEqualTo(data);
            assertThat(r.next().name()).isEqualTo("b");
            assertThat(r.content().readAllBytes()).containsExactly(9);
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void linksAndDirectoriesCarryNoDataWhateverTheirSizeField() throws Exception {
        // As Go's archive/tar reads them: what follows a symlink header is the next header, not data.
        byte[] tar = new TarWriter().entry("l", '2', 0777, new byte[0], "x").file("f", 0644, new byte[] {1}).finish();
        byte[] h = tar.clone();
        System.arraycopy(String.format("%011o", 512).getBytes(StandardCharsets.US_ASCII), 0, h, 124, 11);
        fixChecksum(h, 0);
        assertThat(entries(h)).extracting(TarReader.Entry::name).containsExactly("l", "f");
    }

    @Test
    void numbersInOctalAndBase256() throws Exception {
        byte[] h = new byte[12];
        System.arraycopy("00000001750 ".getBytes(StandardCharsets.US_ASCII), 0, h, 0, 12);
        assertThat(TarReader.parseNumber(h, 0, 12, "size")).isEqualTo(01750);
        byte[] b = new byte[12];
        b[0] = (byte) 0x80;
        b[7] = 0x02; // 2 << 32
        assertThat(TarReader.parseNumber(b, 0, 12, "size")).isEqualTo(2L << 32);
        assertThat(TarReader.parseNumber(new byte[12], 0, 12, "size")).isZero();
        byte[] bad = "0000009".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> TarReader.parseNumber(bad, 0, 7, "size")).isInstanceOf(SandboxException.class)
                .hasMessage("tar header size has a non-octal byte 0x39");
        byte[] negative = new byte[12];
        negative[0] = (byte) 0xff;
        assertThatThrownBy(() -> TarReader.parseNumber(negative, 0, 12, "size")).isInstanceOf(SandboxException.class)
                .hasMessage("tar header size is a negative base-256 number");
        byte[] huge = new byte[12];
        java.util.Arrays.fill(huge, (byte) 0x7f);
        huge[0] = (byte) 0x80 | 0x3f;
        assertThatThrownBy(() -> TarReader.parseNumber(huge, 0, 12, "size")).isInstanceOf(SandboxException.class)
                .hasMessage("tar header size overflows");
    }

    @Test
    void paxRecords() throws Exception {
        byte[] ok = "28 path=some/long/name/here\n12 size=100\n".getBytes(StandardCharsets.UTF_8);
        List<String[]> r = new ArrayList<>();
        TarReader.paxRecords(ok).forEach(r::add);
        assertThat(r).extracting(kv -> kv[0] + "=" + kv[1]).containsExactly("path=some/long/name/here", "size=100");
        assertThatThrownBy(() -> TarReader.paxRecords("99 path=x\n".getBytes(StandardCharsets.UTF_8))).isInstanceOf(SandboxException.class)
                .hasMessage("pax header record at byte 0 has length 99, which does not fit");
        assertThatThrownBy(() -> TarReader.paxRecords("x path=x\n".getBytes(StandardCharsets.UTF_8))).isInstanceOf(SandboxException.class)
                .hasMessage("pax header record at byte 0 has a length that is not decimal");
        assertThatThrownBy(() -> TarReader.paxRecords("9 novalu\n".getBytes(StandardCharsets.UTF_8))).isInstanceOf(SandboxException.class)
                .hasMessage("pax header record at byte 0 has no key=value");
    }

    @Test
    void paxPathAndSizeOverrideTheHeader() throws Exception {
        String name = "p/" + "n".repeat(150);
        String rec = " path=" + name + "\n";
        int len = rec.length() + String.valueOf(rec.length() + 3).length();
        byte[] pax = (len + rec).getBytes(StandardCharsets.UTF_8);
        byte[] tar = new TarWriter().entry("PaxHeaders/x", 'x', 0644, pax, "").file("short", 0644, new byte[] {5}).finish();
        assertThat(entries(tar)).containsExactly(new TarReader.Entry(name, '0', 1, ""));
    }

    @Test
    void extendedHeaderLargerThanTheCapIsRefused() {
        byte[] tar = new TarWriter().entry("x", 'x', 0644, new byte[TarReader.MAX_EXTENDED_HEADER + 1], "").finish();
        assertThatThrownBy(() -> entries(tar)).isInstanceOf(SandboxException.class)
                .hasMessage("tar extended header of 65537 bytes, more than the 65536 accepted");
    }

    @Test
    void names() throws Exception {
        assertThat(TarReader.normalize("./a/b/")).isEqualTo("a/b");
        assertThat(TarReader.normalize("./")).isEqualTo("");
        assertThatThrownBy(() -> TarReader.normalize("a/../../b")).isInstanceOf(SandboxException.class)
                .hasMessage("tar entry name 'a/../../b' has a '..' component");
        assertThat(ImageArchive.symlinkTarget("a/b/layer.tar", "../c/layer.tar")).isEqualTo("a/c/layer.tar");
        assertThat(ImageArchive.symlinkTarget("a/layer.tar", "/c/layer.tar")).isEqualTo("c/layer.tar");
    }

    private static void fixChecksum(byte[] tar, int off) {
        System.arraycopy("        ".getBytes(StandardCharsets.US_ASCII), 0, tar, off + 148, 8);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += tar[off + i] & 0xff;
        }
        System.arraycopy((String.format("%06o", sum) + "\0 ").getBytes(StandardCharsets.US_ASCII), 0, tar, off + 148, 8);
    }
}
