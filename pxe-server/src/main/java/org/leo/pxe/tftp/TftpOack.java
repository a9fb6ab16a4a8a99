package org.leo.pxe.tftp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * OACK (RFC 2347): the options the server accepted, with the values it chose, in the client's order.
 *
 * @param options lower-case option name to value, iteration order is wire order
 */
public record TftpOack(Map<String, String> options) implements TftpPacket {
    public TftpOack {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    @Override
    public TftpOpcode opcode() {
        return TftpOpcode.OACK;
    }
}
