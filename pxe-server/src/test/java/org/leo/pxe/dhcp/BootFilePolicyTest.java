package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.leo.boot.net.MacAddress;

/** The boot file table: per arch, per user class, per vendor class, HTTP mode. */
class BootFilePolicyTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    private static final DhcpConfig TFTP = DhcpConfig.builder(Packets.ip("10.0.0.1")).httpPort(8080).build();
    private static final DhcpConfig HTTP = DhcpConfig.builder(Packets.ip("10.0.0.1")).httpPort(8080).httpMode(true)
            .bootFiles(new BootFileNames("leo.ipxe", "bios.kpxe", "x64.efi", "a64.efi")).build();

    private static Optional<BootChoice> choose(String kind, int arch, DhcpConfig cfg) {
        DhcpOptions.Builder o = switch (kind) {
            case "pxe" -> Requests.pxe(DhcpMessageType.DISCOVER, arch);
            case "ipxe" -> Requests.ipxe(DhcpMessageType.DISCOVER, arch);
            case "http" -> Requests.http(DhcpMessageType.DISCOVER, arch);
            default -> Requests.plain(DhcpMessageType.DISCOVER);
        };
        return BootFilePolicy.select(NetbootClassifier.classify(Requests.request(MAC, 1, o)), cfg);
    }

    @ParameterizedTest(name = "{0} arch {1} -> {2}")
    @CsvSource({
            "pxe, 0, undionly.kpxe, false",
            "pxe, 7, ipxe.efi, false",
            "pxe, 9, ipxe.efi, false",
            "pxe, 11, ipxe-arm64.efi, false",
            "ipxe, 0, boot.ipxe, false",
            "ipxe, 7, boot.ipxe, false",
            "http, 16, http://10.0.0.1:8080/ipxe.efi, true",
            "http, 19, http://10.0.0.1:8080/ipxe-arm64.efi, true",
    })
    void tftpMode(String kind, int arch, String file, boolean echo) {
        assertThat(choose(kind, arch, TFTP)).hasValueSatisfying(c -> {
            assertThat(c.file()).isEqualTo(file);
            assertThat(c.echoHttpClient()).isEqualTo(echo);
        });
    }

    @ParameterizedTest(name = "{0} arch {1} -> {2}")
    @CsvSource({
            "pxe, 0, bios.kpxe",
            "pxe, 7, x64.efi",
            "pxe, 11, a64.efi",
            "ipxe, 0, http://10.0.0.1:8080/leo.ipxe",
            "ipxe, 11, http://10.0.0.1:8080/leo.ipxe",
            "http, 16, http://10.0.0.1:8080/x64.efi",
    })
    void httpModeAndConfiguredNames(String kind, int arch, String file) {
        assertThat(choose(kind, arch, HTTP)).hasValueSatisfying(c -> assertThat(c.file()).isEqualTo(file));
    }

    @ParameterizedTest
    @CsvSource({"pxe, 6", "pxe, 2", "plain, 0"})
    void noBootFileForUnsupportedOrUnknown(String kind, int arch) {
        assertThat(choose(kind, arch, TFTP)).isEmpty();
    }
}
