package org.leo.pxe.tftp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * RRQ or WRQ (RFC 1350 section 5) with options (RFC 2347).
 *
 * @param opcode   {@link TftpOpcode#RRQ} or {@link TftpOpcode#WRQ}
 * @param filename the name exactly as sent (UTF-8 decoded, not validated as a path)
 * @param mode     the transfer mode
 * @param options  lower-case option name to value, first occurrence of each name, in wire order;
 *                 values of the options this server knows ({@link TftpCodec#BLKSIZE} ...) were
 *                 checked by the decoder
 */
public record TftpRequest(TftpOpcode opcode, String filename, TftpMode mode, Map<String, String> options)
        implements TftpPacket {
    public TftpRequest {
        if (opcode != TftpOpcode.RRQ && opcode != TftpOpcode.WRQ) {
            throw new IllegalArgumentException("a request is RRQ or WRQ, not " + opcode);
        }
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(mode, "mode");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
}
