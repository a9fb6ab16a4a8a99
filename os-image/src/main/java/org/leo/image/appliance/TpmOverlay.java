package org.leo.image.appliance;

import java.util.List;
import org.leo.image.appliance.FlattenedDeviceTree.Node;
import org.leo.image.appliance.FlattenedDeviceTree.Property;

/**
 * {@code overlays/tpm-slb9670.dtbo}: the device tree overlay for the common SPI TPM boards of the
 * Raspberry Pi (Infineon SLB9670 on SPI0, chip select 1: the LetsTrust TPM, Infineon's Iridium
 * board, GeeekPi's), which {@code dtoverlay=tpm-slb9670} in config.txt asks the firmware to apply.
 *
 * <p>Written for Debian's kernel, whose device trees are the mainline ones: they carry no
 * {@code __symbols__} (so an overlay cannot name {@code &spi0} by label, as the Raspberry Pi
 * kernel's own tpm-slb9670 overlay does) and no {@code __overrides__} (so {@code dtparam=spi=on}
 * changes nothing). This overlay names the controller by path, enables it and adds the TPM:
 * <pre>
 * /dts-v1/;
 * /plugin/;
 * / {
 *     compatible = "brcm,bcm2711";
 *     fragment@0 {
 *         target-path = "/soc/spi@7e204000";
 *         __overlay__ {
 *             status = "okay";
 *             #address-cells = &lt;1&gt;;
 *             #size-cells = &lt;0&gt;;
 *             tpm@1 {
 *                 compatible = "infineon,slb9670";
 *                 reg = &lt;1&gt;;
 *                 spi-max-frequency = &lt;32000000&gt;;
 *                 status = "okay";
 *             };
 *         };
 *     };
 * };
 * </pre>
 * The SPI pins (GPIO 7 to 11, function ALT0) are set by {@code gpio=7-11=a0} in config.txt, not by
 * a pinctrl reference (the base tree's {@code spi0_gpio7} node has no phandle to refer to). Linux's
 * tpm_tis_spi driver matches {@code infineon,slb9670}. {@code TpmOverlayTest} compiles the source
 * above with dtc and compares, and applies the overlay to the pinned kernel's Pi 4 trees with
 * fdtoverlay.
 */
public final class TpmOverlay {
    /** The overlay's name: {@code dtoverlay=NAME} in config.txt, {@code overlays/NAME.dtbo} on the boot partition. */
    public static final String NAME = "tpm-slb9670";
    /** The SPI0 controller of the BCM2711 in the mainline device tree. */
    public static final String SPI0_PATH = "/soc/spi@7e204000";

    private TpmOverlay() {
    }

    public static byte[] dtbo() {
        Node tpm = new Node("tpm@1", List.of(Property.string("compatible", "infineon,slb9670"), Property.cells("reg", 1),
                Property.cells("spi-max-frequency", 32_000_000), Property.string("status", "okay")), List.of());
        Node overlay = new Node("__overlay__", List.of(Property.string("status", "okay"), Property.cells("#address-cells", 1),
                Property.cells("#size-cells", 0)), List.of(tpm));
        Node fragment = new Node("fragment@0", List.of(Property.string("target-path", SPI0_PATH)), List.of(overlay));
        return FlattenedDeviceTree.write(new Node("", List.of(Property.string("compatible", "brcm,bcm2711")), List.of(fragment)));
    }
}
