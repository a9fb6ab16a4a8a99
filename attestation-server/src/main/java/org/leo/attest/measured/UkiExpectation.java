package org.leo.attest.measured;

import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the measured boot of the image's unified kernel image (UKI) must show, from the
 * measurements file {@code leo image build-hpc} writes beside the UKI and signs in the manifest
 * ({@code leo-hpc.efi.measurements}, os-image's {@code UkiMeasurements.toText()}):
 *
 * @param ukiAuthenticode    PCR 4: the UKI's Authenticode SHA-256, as OVMF measures the image iPXE loads
 * @param kernelAuthenticode PCR 4: the kernel in its .linux section, which systemd-stub 252 loads through the firmware
 * @param initrdSha256       PCR 9 ("Linux initrd") and PCR 11: the .initrd section
 * @param pcr11              PCR 11 after systemd-stub measured the UKI's sections
 * @param loaders            PCR 4: other EFI applications that may run before the UKI (iPXE's ipxe.efi
 *                           when the firmware's own PXE loads it), by Authenticode SHA-256
 */
public record UkiExpectation(String ukiAuthenticode, String kernelAuthenticode, String initrdSha256, String pcr11, Set<String> loaders) {
    /** A measurements file has a few dozen lines; anything much bigger is not one. */
    static final int MAX_TEXT = 16 * 1024;

    public UkiExpectation {
        for (String h : new String[] {ukiAuthenticode, kernelAuthenticode, initrdSha256, pcr11}) {
            if (h == null || !h.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("a measurement must be 64 lower-case hex digits, got '" + h + "'");
            }
        }
        loaders = Set.copyOf(loaders);
    }

    /** Parses a measurements file: {@code pcr4 authenticode HEX}, {@code pcr4 linux-authenticode HEX}, {@code pcr11 .initrd HEX}, {@code pcr11 value HEX}. */
    public static UkiExpectation parse(String text, Set<String> loaders) {
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("measurements file of " + text.length() + " characters; at most " + MAX_TEXT);
        }
        String uki = null;
        String kernel = null;
        String initrd = null;
        String pcr11 = null;
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            if (f.length != 3 || !f[2].matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("measurements line " + n + ": expected 'pcrN NAME HEX', got '" + line + "'");
            }
            switch (f[0] + " " + f[1]) {
                case "pcr4 authenticode" -> uki = f[2];
                case "pcr4 linux-authenticode" -> kernel = f[2];
                case "pcr11 .initrd" -> initrd = f[2];
                case "pcr11 value" -> pcr11 = f[2];
                default -> { } // the per-section events: PCR 11's value covers them
            }
        }
        if (uki == null || kernel == null || initrd == null || pcr11 == null) {
            throw new IllegalArgumentException("measurements file lacks one of: pcr4 authenticode, pcr4 linux-authenticode, pcr11 .initrd, pcr11 value");
        }
        return new UkiExpectation(uki, kernel, initrd, pcr11, loaders);
    }

    /**
     * The one text of this expectation, which the fleet's reference values hash (docs/consensus.md): the line
     * {@code leo-measured-boot v1}, the four measurements in the measurements file's words ({@code pcr4 authenticode},
     * {@code pcr4 linux-authenticode}, {@code pcr11 .initrd}, {@code pcr11 value}), then {@code loader HEX} for each
     * allowed loader in ascending order; every line ends with one LF.
     */
    public String canonicalText() {
        StringBuilder b = new StringBuilder("leo-measured-boot v1\n").append("pcr4 authenticode ").append(ukiAuthenticode).append('\n')
                .append("pcr4 linux-authenticode ").append(kernelAuthenticode).append('\n').append("pcr11 .initrd ").append(initrdSha256)
                .append('\n').append("pcr11 value ").append(pcr11).append('\n');
        loaders.stream().sorted().forEach(l -> b.append("loader ").append(l).append('\n'));
        return b.toString();
    }

    /** Every EFI application digest that may appear in PCR 4. */
    Set<String> allowedApplications() {
        Set<String> s = new LinkedHashSet<>(loaders);
        s.add(ukiAuthenticode);
        s.add(kernelAuthenticode);
        return s;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
