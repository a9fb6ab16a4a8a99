package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Named malformed packets, each with its exact error; pad/end/overload/RFC 3396 handling. */
class DhcpCodecMalformedTest {
    private static final byte[] BASE = Packets.capture("udhcpc-discover");

    /** A minimal valid DISCOVER header (240 bytes) followed by {@code options}. */
    private static byte[] withOptions(int... options) {
        byte[] p = Arrays.copyOf(BASE, 240 + options.length);
        for (int i = 0; i < options.length; i++) {
            p[240 + i] = (byte) options[i];
        }
        return p;
    }

    private static void assertError(byte[] p, String message) {
        assertThatThrownBy(() -> DhcpCodecUtil.decode(p)).isInstanceOf(DhcpFormatException.class).hasMessage(message);
    }

    @Test
    void shortPacket() {
        assertError(Arrays.copyOf(BASE, 239), "packet too short: 239 bytes, a DHCP message needs at least 240");
        assertError(new byte[0], "packet too short: 0 bytes, a DHCP message needs at least 240");
    }

    @Test
    void oversizedPacket() {
        assertError(Arrays.copyOf(BASE, 8973), "packet of 8973 bytes exceeds the 8972-byte cap");
    }

    @Test
    void badCookie() {
        byte[] p = BASE.clone();
        p[239] = 0x64;
        assertError(p, "bad magic cookie 0x63825364, expected 0x63825363");
    }

    @Test
    void badOp() {
        byte[] p = BASE.clone();
        p[0] = 3;
        assertError(p, "op 3 is neither BOOTREQUEST(1) nor BOOTREPLY(2)");
    }

    @Test
    void hlenOver16() {
        byte[] p = BASE.clone();
        p[2] = 17;
        assertError(p, "hlen 17 exceeds the 16-byte chaddr field");
    }

    @Test
    void optionLengthPastEnd() {
        assertError(withOptions(53, 1, 1, 12, 10, 'a', 'b'),
                "option 12 at offset 243 in options has length 10 and runs past the end at offset 247");
    }

    @Test
    void optionWithoutLengthByte() {
        assertError(withOptions(53, 1, 1, 12), "option 12 at offset 243 in options has no length byte");
    }

    @Test
    void messageTypeMissing() {
        assertError(withOptions(12, 2, 'v', 'm', 255), "option 53 (message type) missing");
    }

    @Test
    void messageTypeWrongLength() {
        assertError(withOptions(53, 2, 1, 1, 255), "option 53 expected 1 byte, got 2");
    }

    @Test
    void messageTypeOutOfRange() {
        assertError(withOptions(53, 1, 9, 255), "option 53 message type 9 is not 1..8");
        assertError(withOptions(53, 1, 0, 255), "option 53 message type 0 is not 1..8");
    }

    @Test
    void badOverloadValue() {
        assertError(withOptions(53, 1, 1, 52, 1, 4, 255), "option 52 overload value 4 is not 1..3");
    }

    @Test
    void padsAreSkippedAndOptionsAfterEndIgnored() {
        DhcpMessage m = DhcpCodecUtil.decode(withOptions(0, 0, 53, 1, 1, 0, 12, 2, 'v', 'm', 255, 60, 3, 'b', 'a', 'd'));
        assertThat(m.type()).isEqualTo(DhcpMessageType.DISCOVER);
        assertThat(m.options().string(DhcpOption.HOST_NAME)).contains("vm");
        assertThat(m.options().contains(DhcpOption.VENDOR_CLASS_ID)).isFalse();
        assertThat(m.options().codes()).containsExactly(53, 12);
    }

    @Test
    void missingEndIsTolerated() {
        DhcpMessage m = DhcpCodecUtil.decode(withOptions(53, 1, 3));
        assertThat(m.type()).isEqualTo(DhcpMessageType.REQUEST);
        assertThat(m.paddedLength()).isZero();
    }

    @Test
    void repeatedOptionIsConcatenatedAndLongOptionSplitOnEncode() {
        // RFC 3396: two instances of option 43 are one value.
        DhcpMessage m = DhcpCodecUtil.decode(withOptions(53, 1, 1, 43, 2, 1, 2, 43, 1, 3, 255));
        assertThat(m.options().bytes(DhcpOption.VENDOR_SPECIFIC)).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2, 3));
        byte[] big = new byte[300];
        Arrays.fill(big, (byte) 'x');
        DhcpMessage longOpt = m.toBuilder().options(m.options().toBuilder().put(DhcpOption.VENDOR_SPECIFIC, big).build()).build();
        byte[] wire = DhcpCodecUtil.encode(longOpt);
        // 53 (3 bytes) then 43 split in 255 + 45.
        assertThat(wire[243] & 0xff).isEqualTo(43);
        assertThat(wire[244] & 0xff).isEqualTo(255);
        assertThat(wire[243 + 2 + 255] & 0xff).isEqualTo(43);
        assertThat(wire[243 + 2 + 255 + 1] & 0xff).isEqualTo(45);
        assertThat(DhcpCodecUtil.decode(wire).options().bytes(DhcpOption.VENDOR_SPECIFIC))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
    }

    @Test
    void overloadReadsFileThenSname() {
        byte[] p = withOptions(53, 1, 1, 52, 1, 3, 255);
        p[108] = 67; // file area: option 67 "a.efi"
        p[109] = 5;
        System.arraycopy("a.efi".getBytes(), 0, p, 110, 5);
        p[115] = (byte) 255;
        p[44] = 12; // sname area: option 12 "h"
        p[45] = 1;
        p[46] = 'h';
        p[47] = (byte) 255;
        DhcpMessage m = DhcpCodecUtil.decode(p);
        assertThat(m.options().string(DhcpOption.BOOTFILE_NAME)).contains("a.efi");
        assertThat(m.options().string(DhcpOption.HOST_NAME)).contains("h");
        assertThat(m.options().contains(DhcpOption.OVERLOAD)).isFalse();
        assertThat(m.fileName()).isEmpty();
        assertThat(m.serverName()).isEmpty();
        assertThat(DhcpCodecUtil.decode(DhcpCodecUtil.encode(m))).isEqualTo(m);
    }

    @Test
    void overloadedAreaOverrunIsReported() {
        byte[] p = withOptions(53, 1, 1, 52, 1, 1, 255);
        p[234] = 67;
        p[235] = 9;
        assertError(p, "option 67 at offset 234 in file has length 9 and runs past the end at offset 236");
    }

    @Test
    void typedGettersCheckLength() {
        DhcpMessage m = DhcpCodecUtil.decode(withOptions(53, 1, 1, 51, 3, 0, 0, 1, 54, 5, 1, 2, 3, 4, 5, 255));
        assertThatThrownBy(() -> m.options().u32(DhcpOption.LEASE_TIME)).isInstanceOf(DhcpFormatException.class)
                .hasMessage("option 51 expected 4 bytes, got 3");
        assertThatThrownBy(() -> m.options().ipv4(DhcpOption.SERVER_ID)).isInstanceOf(DhcpFormatException.class)
                .hasMessage("option 54 expected 4 bytes, got 5");
    }

    @Test
    void unknownOptionsRoundTrip() {
        byte[] p = withOptions(53, 1, 1, 250, 3, 9, 8, 7, 200, 0, 255);
        DhcpMessage m = DhcpCodecUtil.decode(p);
        assertThat(m.options().codes()).containsExactly(53, 250, 200);
        assertThat(DhcpOption.valueOf(250).toString()).isEqualTo("UNKNOWN(250)");
        assertThat(DhcpCodecUtil.encode(m)).isEqualTo(p);
    }

    @Test
    void bitFlipsNeverThrowAnythingButFormatErrors() {
        Random r = new Random(42);
        int decoded = 0;
        for (String name : Packets.CAPTURES) {
            byte[] orig = Packets.capture(name);
            for (int i = 0; i < 2000; i++) {
                byte[] p = orig.clone();
                for (int f = 0; f < 1 + r.nextInt(4); f++) {
                    int bit = r.nextInt(p.length * 8);
                    p[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                try {
                    DhcpMessage m = DhcpCodecUtil.decode(p);
                    NetbootClassifier.classify(m);
                    assertThat(DhcpDecoderFuzzTest.unpadded(DhcpCodecUtil.decode(DhcpCodecUtil.encode(m))))
                            .isEqualTo(DhcpDecoderFuzzTest.unpadded(m));
                    decoded++;
                } catch (DhcpFormatException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
        assertThat(decoded).as("most flips leave a decodable packet").isGreaterThan(1000);
    }
}
