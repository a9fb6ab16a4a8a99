package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.measured.UkiExpectation;
import org.leo.image.pe.Authenticode;
import org.leo.image.pe.PeFormatException;
import org.leo.pxe.PxeServer;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.boot.manifest.ManifestEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a measured boot of the image {@code leo pxe serve} serves must show, read once at start
 * from the verified manifest: the UKI's measurements ({@code leo-hpc.efi.measurements}), the
 * Authenticode digests of the other EFI applications it lists (iPXE's {@code ipxe.efi}, which
 * OVMF's own PXE loads and measures into PCR 4 before the UKI), and per boot the command line the
 * image's template hands the UKI.
 */
final class ServedImageExpectation implements BootExpectation {
    private static final Logger LOG = LoggerFactory.getLogger(ServedImageExpectation.class);
    static final String MEASUREMENTS = IpxeTemplate.UKI + ".measurements";

    private final PxeServer pxe;
    private final Optional<UkiExpectation> uki;

    private ServedImageExpectation(PxeServer pxe, Optional<UkiExpectation> uki) {
        this.pxe = pxe;
        this.uki = uki;
    }

    static ServedImageExpectation of(PxeServer pxe) throws IOException {
        Optional<byte[]> text = pxe.files().verifiedBytes(MEASUREMENTS);
        if (text.isEmpty()) {
            LOG.info("measured boot: the manifest lists no {}; HPCs can only enroll without a TPM (tpm.required=false)", MEASUREMENTS);
            return new ServedImageExpectation(pxe, Optional.empty());
        }
        Set<String> loaders = new LinkedHashSet<>();
        for (ManifestEntry e : pxe.manifest().entries()) {
            if (e.path().endsWith(".efi") && !e.path().equals(IpxeTemplate.UKI)) {
                try {
                    loaders.add(HexFormat.of().formatHex(Authenticode.sha256(pxe.files().verifiedBytes(e.path()).orElseThrow())));
                } catch (PeFormatException notPe) {
                    LOG.warn("measured boot: {} is listed as an EFI application but is not one: {}", e.path(), notPe.getMessage());
                }
            }
        }
        UkiExpectation u;
        try {
            u = UkiExpectation.parse(new String(text.get(), StandardCharsets.US_ASCII), loaders);
        } catch (IllegalArgumentException e) {
            throw new IOException(MEASUREMENTS + ": " + e.getMessage(), e);
        }
        LOG.info("measured boot: UKI {} Authenticode {}, kernel {}, PCR 11 {}, {} loader(s) allowed before it", IpxeTemplate.UKI,
                u.ukiAuthenticode(), u.kernelAuthenticode(), u.pcr11(), loaders.size());
        return new ServedImageExpectation(pxe, Optional.of(u));
    }

    @Override
    public Optional<UkiExpectation> uki() {
        return uki;
    }

    @Override
    public Optional<String> commandLine(String nonce) {
        return pxe.files().ukiCommandLine(nonce);
    }
}
