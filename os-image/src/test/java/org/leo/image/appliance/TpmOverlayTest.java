package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.image.Processes;

/**
 * The overlay's blob against dtc's: the source in {@link TpmOverlay}'s Javadoc, compiled by dtc
 * 1.6, is our blob byte for byte; dtc reads ours back to that source. (ApplianceImageIT applies it to
 * the pinned kernel's Pi 4 device trees with fdtoverlay.)
 */
class TpmOverlayTest {
    static final String SOURCE = """
            /dts-v1/;
            /plugin/;
            / {
                compatible = "brcm,bcm2711";
                fragment@0 {
                    target-path = "/soc/spi@7e204000";
                    __overlay__ {
                        status = "okay";
                        #address-cells = <1>;
                        #size-cells = <0>;
                        tpm@1 {
                            compatible = "infineon,slb9670";
                            reg = <1>;
                            spi-max-frequency = <32000000>;
                            status = "okay";
                        };
                    };
                };
            };
            """;
    @TempDir
    Path dir;

    @Test
    void theBlobIsDtcsForTheDocumentedSource() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dtc")), "dtc is missing (device-tree-compiler; scripts/install-deps)");
        Path src = Files.writeString(dir.resolve("tpm-slb9670.dts"), SOURCE);
        Processes.run(null, List.of("dtc", "-I", "dts", "-O", "dtb", "-o", dir.resolve("dtc.dtbo").toString(), src.toString()), 60);
        assertThat(TpmOverlay.dtbo()).isEqualTo(Files.readAllBytes(dir.resolve("dtc.dtbo")));
        Path ours = Files.write(dir.resolve("ours.dtbo"), TpmOverlay.dtbo());
        String back = Processes.run(null, List.of("dtc", "-I", "dtb", "-O", "dts", ours.toString()), 60);
        assertThat(back).contains("target-path = \"/soc/spi@7e204000\";").contains("compatible = \"infineon,slb9670\";")
                .contains("spi-max-frequency = <0x1e84800>;").contains("reg = <0x01>;");
    }

    @Test
    void aNameThatEndsAnotherReusesItsString() {
        StringBuilder strings = new StringBuilder();
        assertThat(FlattenedDeviceTree.stringOffset(strings, "#address-cells")).isZero();
        assertThat(FlattenedDeviceTree.stringOffset(strings, "cells")).isEqualTo(9);
        assertThat(FlattenedDeviceTree.stringOffset(strings, "#size-cells")).isEqualTo(15);
        assertThat(strings.toString()).isEqualTo("#address-cells\0#size-cells\0");
    }
}
