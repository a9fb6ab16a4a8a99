package org.leo.boot.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The image's iPXE script template: what it may hold, and what one boot's script becomes. */
class IpxeTemplateTest {
    private static IpxeTemplate parse(String s) {
        return IpxeTemplate.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theImagesTemplateRendersTheBootsScript() {
        String t = IpxeTemplate.forImage("leo-hpc", "amd64", "vmlinuz", "initrd.img", "console=ttyS0,115200 panic=10");
        String script = parse(t).render("tftp://10.77.0.1", "ab".repeat(32), "10.77.0.1", "leo.ca=cd leo.attest=7443:7444");
        assertThat(script).isEqualTo("#!ipxe\n"
                + "# Leo HPC image leo-hpc (amd64), made by leo image build-hpc and listed in its signed\n"
                + "# manifest. leo pxe serve renders it for every boot: LEO_BASE, LEO_NONCE, LEO_SERVER, LEO_ARGS.\n"
                + "echo Leo: booting ${mac} with image leo-hpc (amd64), boot nonce " + "ab".repeat(32) + "\n"
                + "kernel tftp://10.77.0.1/vmlinuz initrd=initrd.img console=ttyS0,115200 panic=10 leo.nonce=" + "ab".repeat(32)
                + " leo.server=10.77.0.1 leo.ca=cd leo.attest=7443:7444\n"
                + "initrd tftp://10.77.0.1/initrd.img\n"
                + "boot\n");
    }

    @Test
    void anImageWithAUkiChainsItOnUefiAndKeepsKernelAndInitrdOnBios() {
        String t = IpxeTemplate.forImage("leo-hpc", "amd64", "vmlinuz", "initrd.img", IpxeTemplate.UKI, "console=ttyS0,115200 panic=10");
        String script = parse(t).render("http://10.77.0.1:8080", "ab".repeat(32), "10.77.0.1", "leo.ca=cd leo.attest=7443:7444");
        String args = "console=ttyS0,115200 panic=10 leo.nonce=" + "ab".repeat(32) + " leo.server=10.77.0.1 leo.ca=cd leo.attest=7443:7444";
        assertThat(script).isEqualTo("#!ipxe\n"
                + "# Leo HPC image leo-hpc (amd64), made by leo image build-hpc and listed in its signed\n"
                + "# manifest. leo pxe serve renders it for every boot: LEO_BASE, LEO_NONCE, LEO_SERVER, LEO_ARGS.\n"
                + "echo Leo: booting ${mac} with image leo-hpc (amd64), boot nonce " + "ab".repeat(32) + "\n"
                + "# UEFI chains the unified kernel image (measured: PCR 4, 11, 12, 9); BIOS loads kernel and initrd.\n"
                + "iseq ${platform} efi && goto uki || goto legacy\n"
                + ":uki\n"
                + "chain http://10.77.0.1:8080/leo-hpc.efi " + args + "\n"
                + ":legacy\n"
                + "kernel http://10.77.0.1:8080/vmlinuz initrd=initrd.img " + args + "\n"
                + "initrd http://10.77.0.1:8080/initrd.img\n"
                + "boot\n");
        assertThat(IpxeTemplate.forImage("i", "amd64", "vmlinuz", "initrd.img", null, "quiet"))
                .isEqualTo(IpxeTemplate.forImage("i", "amd64", "vmlinuz", "initrd.img", "quiet")).doesNotContain("chain");
        assertThatThrownBy(() -> IpxeTemplate.forImage("i", "amd64", "vmlinuz", "initrd.img", "leo hpc.efi", "quiet"))
                .hasMessage("not a boot path without spaces: 'leo hpc.efi'");
        assertThatThrownBy(() -> IpxeTemplate.forImage("i", "amd64", "vmlinuz", "initrd.img", "a@b.efi", "quiet"))
                .hasMessage("not printable ASCII without '@': 'a@b.efi'");
    }

    /** The command line PCR 12 must hold: "leo-hpc.efi" and the chain's arguments, single-spaced as iPXE joins them. */
    @Test
    void theUkisCommandLineIsWhatIpxePassesIt() {
        IpxeTemplate t = parse(IpxeTemplate.forImage("leo-hpc", "amd64", "vmlinuz", "initrd.img", IpxeTemplate.UKI, "console=ttyS0  panic=10"));
        assertThat(t.ukiCommandLine("ab".repeat(32), "10.77.0.1", "")).contains("leo-hpc.efi console=ttyS0 panic=10 leo.nonce="
                + "ab".repeat(32) + " leo.server=10.77.0.1");
        assertThat(t.ukiCommandLine("ab".repeat(32), "10.77.0.1", "leo.ca=cd")).contains("leo-hpc.efi console=ttyS0 panic=10 leo.nonce="
                + "ab".repeat(32) + " leo.server=10.77.0.1 leo.ca=cd");
        assertThat(parse(IpxeTemplate.forImage("i", "amd64", "vmlinuz", "initrd.img", "quiet")).ukiCommandLine("ab".repeat(32), "s", ""))
                .isEmpty();
    }

    @Test
    void malformedTemplatesAreRefusedWithASentence() {
        assertThatThrownBy(() -> parse("kernel x @LEO_NONCE@ @LEO_SERVER@\n")).hasMessageContaining("does not start with a '#!ipxe' line");
        assertThatThrownBy(() -> parse("#!ipxe\nkernel x @LEO_SERVER@\n")).hasMessageContaining("has no @LEO_NONCE@");
        assertThatThrownBy(() -> parse("#!ipxe\nkernel x @LEO_NONCE@\n")).hasMessageContaining("has no @LEO_SERVER@");
        assertThatThrownBy(() -> parse("#!ipxe\n#\nkernel x @LEO_NONCE@ @LEO_SERVER@ @LEO_SECRET@\n"))
                .hasMessageContaining("line 3: unknown token '@LEO_SECRET@'");
        assertThatThrownBy(() -> parse("#!ipxe\nkernel x @LEO_NONCE@ @LEO_SERVER@ @LEO_\n")).hasMessageContaining("unknown token '@LEO_'");
        // overlapping tokens: one scan finds BASE, and the NONCE that only overlaps it is text (found by Jazzer)
        assertThatThrownBy(() -> parse("#!ipxe\nkernel @LEO_SERVER@ @LEO_BASE@LEO_NONCE@\n")).hasMessageContaining("has no @LEO_NONCE@");
        assertThatThrownBy(() -> parse("#!ipxe\r\nkernel x @LEO_NONCE@ @LEO_SERVER@\n")).hasMessageContaining("(0xd) is not printable");
        assertThatThrownBy(() -> parse("#!ipxe\nkernel x @LEO_NONCE@ @LEO_SERVER@ \u00e9\n")).hasMessageContaining("(0xe9) is not printable");
        assertThatThrownBy(() -> parse("#!ipxe\n@LEO_NONCE@ @LEO_SERVER@\n" + "#".repeat(IpxeTemplate.MAX_BYTES)))
                .hasMessageContaining("at most 4096 are allowed");
        assertThatThrownBy(() -> IpxeTemplate.forImage("a@b", "amd64", "vmlinuz", "initrd.img", ""))
                .hasMessageContaining("not printable ASCII without '@'");
    }
}
