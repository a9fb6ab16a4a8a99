package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A UKI of Debian's systemd-stub 252 and the pinned Debian kernel, against the tools: objcopy
 * given the same section VMAs writes the same bytes; objdump and sbverify read it; pesign computes
 * the same Authenticode hash; sbsign signs it and the digest in its signature (read back by
 * osslsigncode) is this package's hash of the signed file.
 */
@Tag("system")
class UkiBuilderSystemTest {
    @TempDir
    static Path tmp;
    static Path uki;
    static UkiBuilder.Uki built;
    static List<UkiBuilder.Section> sections;

    @BeforeAll
    static void build() throws Exception {
        byte[] initrd = new byte[300_001];
        for (int i = 0; i < initrd.length; i++) {
            initrd[i] = (byte) (i * 131 >>> 3);
        }
        sections = List.of(new UkiBuilder.Section(".osrel", "ID=leo\nNAME=\"Leo HPC\"\n"),
                new UkiBuilder.Section(".cmdline", "console=tty0 console=ttyS0,115200 panic=10 quiet loglevel=4"),
                new UkiBuilder.Section(".linux", Files.readAllBytes(PeTools.kernel())), new UkiBuilder.Section(".initrd", initrd));
        built = UkiBuilder.build(PeTools.stub(), sections);
        uki = Files.write(tmp.resolve("leo-hpc.efi"), built.image());
        System.out.print(built.measurements().toText());
    }

    @Test
    void objcopyWithTheSameVmasWritesTheSameBytes() throws Exception {
        PeTools.assumeTool("objcopy");
        List<String> cmd = new ArrayList<>(List.of("objcopy"));
        PeImage pe = PeImage.parse(built.image());
        for (UkiBuilder.Section s : sections) {
            Path f = Files.write(tmp.resolve("section" + s.name()), s.data());
            long vma = pe.sections().stream().filter(h -> h.name().equals(s.name())).findFirst().orElseThrow().virtualAddress();
            cmd.addAll(List.of("--add-section", s.name() + "=" + f, "--change-section-vma", s.name() + "=0x" + Long.toHexString(vma)));
        }
        Path theirs = tmp.resolve("objcopy.efi");
        cmd.addAll(List.of(PeTools.STUB.toString(), theirs.toString()));
        PeTools.run(cmd);
        String ourHeaders = PeTools.run(List.of("objdump", "-h", uki.toString())).replace(uki.toString(), "F");
        String theirHeaders = PeTools.run(List.of("objdump", "-h", theirs.toString())).replace(theirs.toString(), "F");
        System.out.println(ourHeaders);
        assertThat(ourHeaders).isEqualTo(theirHeaders).contains(".linux").contains(".initrd");
        // objcopy stamps the time it ran into TimeDateStamp (SOURCE_DATE_EPOCH does not stop it) and
        // sums it into CheckSum; the UKI keeps the stub's. Their checksum is PeChecksum's; with their time
        // replaced by the stub's and the checksum recomputed, the files are equal byte for byte.
        byte[] their = Files.readAllBytes(theirs);
        PeImage t = PeImage.parse(their);
        assertThat(PeChecksum.of(their, t.checkSumOffset())).isEqualTo(t.checkSum());
        int timeDateStamp = t.peOffset() + 8;
        System.arraycopy(built.image(), timeDateStamp, their, timeDateStamp, 4);
        TinyPe.put32(their, t.checkSumOffset(), PeChecksum.of(their, t.checkSumOffset()));
        assertThat(built.image()).isEqualTo(their);
    }

    @Test
    void sbverifyListsItAndPesignHashesItAsWeDo() throws Exception {
        PeTools.assumeTool("sbverify");
        PeTools.assumeTool("pesign");
        assertThat(PeTools.run(List.of("sbverify", "--list", uki.toString()))).contains("No signature table present");
        assertThat(PeTools.find(PeTools.run(List.of("pesign", "-h", "-d", "sha256", "-i", uki.toString())), "hash: ([0-9a-f]{64})"))
                .isEqualTo(HexFormat.of().formatHex(built.measurements().authenticode()));
    }

    @Test
    void theDigestSbsignSignsIsOurHashOfTheSignedFile() throws Exception {
        PeTools.assumeTool("sbsign");
        PeTools.assumeTool("osslsigncode");
        PeTools.assumeTool("openssl");
        Path key = tmp.resolve("throwaway.key");
        Path cert = tmp.resolve("throwaway.crt");
        PeTools.run(List.of("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=leo test throwaway", "-days", "1",
                "-keyout", key.toString(), "-out", cert.toString()));
        Path signed = tmp.resolve("signed.efi");
        PeTools.run(List.of("sbsign", "--key", key.toString(), "--cert", cert.toString(), "--output", signed.toString(), uki.toString()));
        String verify;
        try {
            verify = PeTools.run(List.of("osslsigncode", "verify", "-in", signed.toString()));
        } catch (java.io.IOException untrusted) { // a self-signed certificate: the digests are still printed
            verify = untrusted.getMessage();
        }
        String ours = HexFormat.of().formatHex(Authenticode.sha256(Files.readAllBytes(signed)));
        assertThat(PeTools.find(verify, "Current message digest\\s*: ([0-9A-F]{64})")).isEqualTo(ours);
        if (built.image().length % 8 == 0) { // sbsign pads to 8 bytes before hashing: then the digest is the unsigned UKI's
            assertThat(ours).isEqualTo(HexFormat.of().formatHex(built.measurements().authenticode()));
        }
    }
}
