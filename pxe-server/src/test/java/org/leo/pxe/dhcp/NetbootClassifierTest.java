package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;

/** Every reason a packet is not a netboot client is reported, not just the first. */
class NetbootClassifierTest {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @Test
    void pxeClientIsNetboot() {
        NetbootClass c = NetbootClassifier.classify(Requests.request(MAC, 1, Requests.pxe(DhcpMessageType.DISCOVER, 7)));
        assertThat(c.reasons()).isEmpty();
        assertThat(c.isNetbootClient()).isTrue();
        assertThat(c.arch()).contains(ClientArch.EFI_X86_64);
        assertThat(c.pxeClient()).isTrue();
        assertThat(c.uuid()).isPresent();
    }

    @Test
    void plainClientGetsEveryReason() {
        NetbootClass c = NetbootClassifier.classify(Requests.request(MAC, 1, Requests.plain(DhcpMessageType.RELEASE)
                .string(DhcpOption.VENDOR_CLASS_ID, "udhcp 1.35.0").put(DhcpOption.CLIENT_UUID, new byte[] {1, 2})));
        assertThat(c.reasons()).containsExactly(
                "message type RELEASE is not DISCOVER, REQUEST or INFORM",
                "option 60 'udhcp 1.35.0' is not PXEClient or HTTPClient",
                "option 93 (client arch) not set",
                "option 94 (client NDI) not set",
                "option 97 expected 17 bytes, got 2");
    }

    @Test
    void malformedArchAndUuidTypeAreReasonsNotExceptions() {
        NetbootClass c = NetbootClassifier.classify(Requests.request(MAC, 1, Requests.pxe(DhcpMessageType.DISCOVER, 0)
                .put(DhcpOption.CLIENT_ARCH, new byte[] {0, 0, 7}).put(DhcpOption.CLIENT_UUID, new byte[17])
                .put(DhcpOption.CLIENT_UUID, withType(1))));
        assertThat(c.reasons()).containsExactly("option 93 expected a non-zero multiple of 2 bytes, got 3",
                "option 97 type 1 is not 0");
        assertThat(c.arch()).as("falls back to the vendor class Arch field").contains(ClientArch.BIOS);
    }

    @Test
    void ipxeUserClassBareOrRfc3004Framed() {
        assertThat(NetbootClassifier.classify(Requests.request(MAC, 1, Requests.ipxe(DhcpMessageType.DISCOVER, 0))).ipxe()).isTrue();
        byte[] framed = {4, 'i', 'P', 'X', 'E'};
        assertThat(NetbootClassifier.classify(Requests.request(MAC, 1, Requests.pxe(DhcpMessageType.DISCOVER, 0)
                .put(DhcpOption.USER_CLASS, framed))).ipxe()).isTrue();
        assertThat(NetbootClassifier.classify(Requests.request(MAC, 1, Requests.pxe(DhcpMessageType.DISCOVER, 0)
                .put(DhcpOption.USER_CLASS, "gPXE".getBytes(StandardCharsets.US_ASCII)))).ipxe()).isFalse();
    }

    @Test
    void archValueClasses() {
        assertThat(ClientArch.valueOf(7)).isEqualTo(ClientArch.EFI_X86_64);
        assertThat(ClientArch.valueOf(4242).toString()).isEqualTo("UNKNOWN(4242)");
        assertThat(ClientArch.valueOf(9).isEfiX86_64()).isTrue();
        assertThat(ClientArch.valueOf(16).isHttp()).isTrue();
        assertThat(NetbootClassifier.archFromVendorClass("PXEClient:Arch:00011:UNDI:003000")).contains(ClientArch.EFI_ARM64);
        assertThat(NetbootClassifier.archFromVendorClass("PXEClient:Arch:99999:UNDI:003000")).isEmpty();
        assertThat(NetbootClassifier.archFromVendorClass("PXEClient")).isEmpty();
    }

    private static byte[] withType(int type) {
        byte[] u = new byte[17];
        u[0] = (byte) type;
        return u;
    }
}
