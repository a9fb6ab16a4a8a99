package org.leo.attest.measured;

import java.util.Optional;

/**
 * What the Pi expects an HPC's measured boot to show: the served image's UKI measurements (from
 * the signed manifest) and the exact command line of a boot, rendered again from the image's iPXE
 * template with that boot's nonce. The PXE side provides it; an image without a UKI has none, and
 * then no HPC can pass a measured enrollment.
 */
public interface BootExpectation {
    BootExpectation NONE = new BootExpectation() {
        @Override
        public Optional<UkiExpectation> uki() {
            return Optional.empty();
        }

        @Override
        public Optional<String> commandLine(String nonce) {
            return Optional.empty();
        }
    };

    Optional<UkiExpectation> uki();

    /** The command line iPXE hands the UKI in the boot with {@code nonce}, as systemd-stub measures it into PCR 12. */
    Optional<String> commandLine(String nonce);
}
