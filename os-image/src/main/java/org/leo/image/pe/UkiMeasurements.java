package org.leo.image.pe;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What booting a unified kernel image (UKI) through OVMF and systemd-stub 252 extends into the
 * TPM's SHA-256 bank, computed from the UKI file alone, so that the appliance knows the expected
 * values when the image is built.
 *
 * <p><b>PCR 4</b>: OVMF measures the UKI it loads as EV_EFI_BOOT_SERVICES_APPLICATION with digest
 * {@link Authenticode#sha256}. (Not included here: the events before it, e.g. EV_EFI_ACTION "Calling
 * EFI Application from Boot Option", EV_SEPARATOR, iPXE's own image; and, when Secure Boot is off,
 * possibly a second event for the kernel: systemd-stub 252.x starts the embedded kernel with
 * {@code BS->LoadImage} from memory (src/boot/efi/linux.c, load_image()) and installs its security
 * override only under Secure Boot (src/boot/efi/secure-boot.c, install_security_override), so OVMF's
 * DxeTpm2MeasureBootLib may measure the .linux section's own Authenticode hash into PCR 4 too.
 * {@link #linuxAuthenticode} is that digest; whether the event appears is for the boot test to say.)
 *
 * <p><b>PCR 11</b>: systemd-stub v252 (src/boot/efi/stub.c, efi_main, the loop "for (UnifiedSection
 * section = 0; section &lt; _UNIFIED_SECTION_MAX; section++)", lines 172-199 at tag v252, 218-247
 * at v252.31) walks {@code unified_sections[]} (src/fundamental/tpm-pcr.c) in its fixed order
 * {@code .linux, .osrel, .cmdline, .initrd, .splash, .dtb, .pcrsig, .pcrpkey} - not the order of
 * the section table - skips {@code .pcrsig} (unified_section_measure, src/fundamental/tpm-pcr.h) and
 * every section it did not find or whose size is 0, and for each other section makes two
 * EV_IPL events into PCR 11 (tpm_log_event_ascii -> HashLogExtendEvent with flags 0, so the
 * extended digest is the SHA-256 of the buffer; src/boot/efi/measure.c):
 * <ol>
 *   <li>the section's name as the stub spells it, with its terminating NUL ({@code strsize8}):
 *       SHA-256(".linux\0");
 *   <li>the section's contents in memory: {@code VirtualSize} bytes at ImageBase + VirtualAddress
 *       (pe_memory_locate_sections, src/boot/efi/pe.c locate_sections: {@code sizes[j] =
 *       sect->VirtualSize}). EDK2's loader put there min(VirtualSize, SizeOfRawData) bytes of the
 *       file, then zeros up to VirtualSize; so the padding of SizeOfRawData is not measured.
 * </ol>
 * A section matches a name when its 8-byte header name starts with it ({@code memcmp(sect->Name,
 * name, strlen(name))}): ".linuxfoo" counts as .linux; of two matches the later in the table wins.
 * Sections systemd 252 does not know ({@code .uname}, {@code .sbat}, {@code .sdmagic}) are not
 * measured. {@link #pcr11} is PCR 11 after these events, from all zeros: nothing else extends PCR 11
 * before the stub (systemd-boot does not; this project's initramfs runs no systemd-pcrphase).
 *
 * <p>Assumed, to be checked by a real OVMF + swtpm boot: that the base relocations OVMF applies
 * touch none of the payload sections (they apply to the stub's own code and data), and that Debian's
 * 252.39 stub matches v252.31 here (the point releases between changed none of these lines).
 */
public record UkiMeasurements(byte[] authenticode, byte[] linuxAuthenticode, List<Event> pcr11Events, byte[] pcr11) {
    /** The sections systemd-stub 252 measures, in its order (unified_sections[] without .pcrsig). */
    public static final List<String> MEASURED_SECTIONS = List.of(".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey");
    /**
     * Zeros past a section's raw data are hashed too; the largest sections, .linux and .initrd, are
     * tens of MiB, so a VirtualSize over 256 MiB is a malformed image, not a boot image.
     */
    public static final long MAX_SECTION_BYTES = 256L << 20;
    /** unified_sections[] in full, .pcrsig included: it is located (and so matched) but not measured. */
    private static final List<String> UNIFIED_SECTIONS = List.of(".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrsig",
            ".pcrpkey");

    /**
     * One section's two PCR 11 events: SHA-256 of the name with its NUL, then of the contents.
     *
     * @param section the unified_sections[] name (".linux"), not necessarily the header's full name
     */
    public record Event(String section, byte[] nameDigest, byte[] dataDigest) {
    }

    /** The measurements of the UKI {@code uki}. */
    public static UkiMeasurements of(PeImage uki) throws PeFormatException {
        PeImage.Section[] found = new PeImage.Section[UNIFIED_SECTIONS.size()];
        for (PeImage.Section s : uki.sections()) {
            for (int j = 0; j < UNIFIED_SECTIONS.size(); j++) {
                if (s.name().startsWith(UNIFIED_SECTIONS.get(j))) {
                    found[j] = s;
                }
            }
        }
        List<Event> events = new ArrayList<>();
        byte[] pcr = new byte[32];
        byte[] linux = null;
        for (int j = 0; j < UNIFIED_SECTIONS.size(); j++) {
            PeImage.Section s = found[j];
            String name = UNIFIED_SECTIONS.get(j);
            if (s == null || s.virtualSize() == 0 || !MEASURED_SECTIONS.contains(name)) {
                continue;
            }
            Event e = new Event(name, sha256((name + "\0").getBytes(StandardCharsets.US_ASCII)), contentsDigest(uki, s));
            events.add(e);
            pcr = extend(pcr, e.nameDigest());
            pcr = extend(pcr, e.dataDigest());
            if (name.equals(".linux")) {
                linux = kernelAuthenticode(uki, s);
            }
        }
        if (linux == null) {
            throw new PeFormatException("UKI: no .linux section; systemd-stub would refuse to boot it");
        }
        return new UkiMeasurements(Authenticode.sha256(uki), linux, List.copyOf(events), pcr);
    }

    /**
     * The text the image build writes beside the UKI, one measurement a line, in extend order:
     * {@code pcr4 authenticode HEX}, {@code pcr4 linux-authenticode HEX} (the possible second event,
     * see the class comment), then per section {@code pcr11 NAME:name HEX} and {@code pcr11 NAME HEX},
     * then {@code pcr11 value HEX}, PCR 11 after them all, and last, if the UKI has an initrd,
     * {@code pcr9 initrd HEX}: the SHA-256 of the initrd, which the kernel's EFI stub (Linux &gt;= 5.17)
     * measures into PCR 9 as the "Linux initrd" event when systemd-stub hands it over by LoadFile2
     * (the same digest as the {@code .initrd} section's PCR 11 event; a line of its own so that a
     * verifier of PCR 9 need not know that).
     */
    public String toText() {
        HexFormat hex = HexFormat.of();
        StringBuilder b = new StringBuilder();
        b.append("pcr4 authenticode ").append(hex.formatHex(authenticode)).append('\n');
        b.append("pcr4 linux-authenticode ").append(hex.formatHex(linuxAuthenticode)).append('\n');
        for (Event e : pcr11Events) {
            b.append("pcr11 ").append(e.section()).append(":name ").append(hex.formatHex(e.nameDigest())).append('\n');
            b.append("pcr11 ").append(e.section()).append(' ').append(hex.formatHex(e.dataDigest())).append('\n');
        }
        b.append("pcr11 value ").append(hex.formatHex(pcr11)).append('\n');
        for (Event e : pcr11Events) {
            if (e.section().equals(".initrd")) {
                b.append("pcr9 initrd ").append(hex.formatHex(e.dataDigest())).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * SHA-256 of the section as EDK2 loads it: min(VirtualSize, SizeOfRawData) bytes of the file,
     * then zeros up to VirtualSize (PeCoffLoaderLoadImage), hashed as a stream.
     */
    static byte[] contentsDigest(PeImage pe, PeImage.Section s) throws PeFormatException {
        if (s.virtualSize() > MAX_SECTION_BYTES) {
            throw new PeFormatException("UKI section " + s.name() + ": VirtualSize " + s.virtualSize() + " is more than the " + MAX_SECTION_BYTES
                    + " bytes measured here");
        }
        MessageDigest md = Authenticode.newSha256();
        long copied = Math.min(s.virtualSize(), s.sizeOfRawData());
        if (copied > 0) { // PeImage checked these bytes to be in the file; with none, PointerToRawData may be anything
            md.update(pe.bytes(), (int) s.pointerToRawData(), (int) copied);
        }
        byte[] zeros = new byte[8192];
        for (long left = s.virtualSize() - copied; left > 0; left -= zeros.length) {
            md.update(zeros, 0, (int) Math.min(left, zeros.length));
        }
        return md.digest();
    }

    /** The Authenticode hash of the kernel in .linux, which must lie in the file (VirtualSize &lt;= SizeOfRawData). */
    private static byte[] kernelAuthenticode(PeImage uki, PeImage.Section s) throws PeFormatException {
        if (s.virtualSize() > s.sizeOfRawData()) {
            throw new PeFormatException("UKI .linux: VirtualSize " + s.virtualSize() + " is more than its " + s.sizeOfRawData()
                    + " bytes of raw data; this tool measures only a kernel stored whole in the file");
        }
        try {
            return Authenticode.sha256(uki.slice(s.pointerToRawData(), s.virtualSize()));
        } catch (PeFormatException notPe) {
            throw new PeFormatException("UKI .linux: " + notPe.getMessage() + "; systemd-stub would not start it");
        }
    }

    /** TPM2_PCR_Extend in the SHA-256 bank: SHA-256(pcr || digest). */
    public static byte[] extend(byte[] pcr, byte[] digest) {
        MessageDigest md = Authenticode.newSha256();
        md.update(pcr);
        md.update(digest);
        return md.digest();
    }

    private static byte[] sha256(byte[] data) {
        return Authenticode.newSha256().digest(data);
    }
}
