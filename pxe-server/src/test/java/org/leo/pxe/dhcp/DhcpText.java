package org.leo.pxe.dhcp;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;

/** Stable, human-readable text of a decoded message for golden files. */
final class DhcpText {
    private static final Set<Integer> ADDRESSES = Set.of(1, 3, 6, 28, 50, 54);
    private static final Set<Integer> U32 = Set.of(51, 58, 59);
    private static final Set<Integer> TEXT = Set.of(12, 15, 56, 60, 66, 67);

    private DhcpText() {
    }

    static String format(DhcpMessage m, DhcpConfig config) {
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder();
        sb.append("op=").append(m.op()).append(" htype=").append(m.htype()).append(" hlen=").append(m.hlen())
                .append(" hops=").append(m.hops()).append(" xid=").append(m.xidHex()).append(" secs=").append(m.secs())
                .append(String.format(" flags=0x%04x", m.flags())).append('\n');
        sb.append("ciaddr=").append(m.ciaddr().getHostAddress()).append(" yiaddr=").append(m.yiaddr().getHostAddress())
                .append(" siaddr=").append(m.siaddr().getHostAddress()).append(" giaddr=").append(m.giaddr().getHostAddress())
                .append('\n');
        sb.append("chaddr=").append(hex.formatHex(m.chaddr())).append('\n');
        sb.append("sname='").append(m.serverName()).append("'\n");
        sb.append("file='").append(m.fileName()).append("'\n");
        sb.append("paddedLength=").append(m.paddedLength()).append('\n');
        for (int code : m.options().codes()) {
            byte[] v = m.options().raw(code);
            sb.append("option ").append(DhcpOption.valueOf(code)).append(" len=").append(v.length).append(' ');
            if (code == 53 && v.length == 1) {
                sb.append(DhcpMessageType.of(v[0] & 0xff));
            } else if (ADDRESSES.contains(code) && v.length > 0 && v.length % 4 == 0) {
                sb.append(m.options().ipv4List(DhcpOption.valueOf(code)).stream().map(a -> a.getHostAddress()).toList());
            } else if (U32.contains(code) && v.length == 4) {
                sb.append(m.options().u32(DhcpOption.valueOf(code)).get());
            } else if (code == 57 && v.length == 2) {
                sb.append(m.options().u16(DhcpOption.MAX_MESSAGE_SIZE).get());
            } else if (TEXT.contains(code) || (code == 77 && printable(v))) {
                sb.append('"').append(new String(v, StandardCharsets.ISO_8859_1)).append('"');
            } else {
                sb.append(hex.formatHex(v));
            }
            sb.append('\n');
        }
        NetbootClass c = NetbootClassifier.classify(m);
        sb.append("netboot=").append(c.isNetbootClient()).append(" reasons=").append(c.reasons()).append('\n');
        sb.append("arch=").append(c.arch().map(Object::toString).orElse("-")).append(" pxeClient=").append(c.pxeClient())
                .append(" httpClient=").append(c.httpClient()).append(" ipxe=").append(c.ipxe()).append('\n');
        sb.append("bootfile=").append(BootFilePolicy.select(c, config).map(b -> b.file() + " (" + b.rule() + ")").orElse("-"))
                .append('\n');
        return sb.toString();
    }

    private static boolean printable(byte[] v) {
        for (byte b : v) {
            if (b < 0x20 || b > 0x7e) {
                return false;
            }
        }
        return v.length > 0;
    }
}
