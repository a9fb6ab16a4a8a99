package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real client packets (busybox udhcpc, ISC dhclient, dnsmasq replies captured with tcpdump in a
 * network namespace) and two crafted ones (iPXE BIOS, OVMF UEFI PXE): each decodes to the golden
 * text and re-encodes to the identical bytes. Regenerate with {@code -Dleo.golden.update=true}.
 */
class DhcpCaptureGoldenTest {
    static final Path GOLDEN_DIR = Path.of("src/test/resources/org/leo/pxe/dhcp/captures");
    static final DhcpConfig CONFIG = DhcpConfig.builder(Packets.ip("10.77.0.1")).httpPort(8080).build();

    static Stream<String> captures() {
        return Packets.CAPTURES.stream();
    }

    @ParameterizedTest
    @MethodSource("captures")
    void decodesToGoldenText(String name) throws IOException {
        DhcpMessage m = DhcpCodecUtil.decode(Packets.capture(name));
        String text = DhcpText.format(m, CONFIG);
        Path golden = GOLDEN_DIR.resolve(name + ".txt");
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.writeString(golden, text, StandardCharsets.UTF_8);
        }
        assertThat(golden).as("golden file (run with -Dleo.golden.update=true to create)").exists();
        assertThat(text).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @MethodSource("captures")
    void reencodesByteForByte(String name) {
        byte[] p = Packets.capture(name);
        assertThat(DhcpCodecUtil.encode(DhcpCodecUtil.decode(p))).isEqualTo(p);
    }
}
