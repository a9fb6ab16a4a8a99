package org.leo.agent;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The few DER encodings (ITU-T X.690) the agent writes: those of its self-signed certificate and
 * its PKCS#10 request (RFC 5280, RFC 2986). Written here, not with BouncyCastle, so the agent
 * loads no BouncyCastle class: its signed jars alone cost the agent's JVM several MiB of heap
 * (one manifest entry per class) and its provider hundreds of classes (docs/benchmarks.md,
 * agent cost). The agent never parses DER; the appliance parses what it sends with BouncyCastle.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;
    /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2 (RFC 5758 section 3.2: no parameters). */
    static final byte[] ECDSA_WITH_SHA256 = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02};
    /** id-at-commonName, 2.5.4.3. */
    static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
    /** id-at-organizationName, 2.5.4.10. */
    static final byte[] ORGANIZATION = {0x55, 0x04, 0x0a};
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private Der() {
    }

    /** Tag, definite length (short or long form), contents. */
    static byte[] tlv(int tag, byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(contents.length + 6);
        out.write(tag);
        int n = contents.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(contents);
        return out.toByteArray();
    }

    /** The concatenation of already encoded elements. */
    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... elements) {
        return tlv(SEQUENCE, concat(elements));
    }

    /** A two's-complement INTEGER in the fewest bytes (what {@link BigInteger#toByteArray} gives). */
    static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray());
    }

    /** A BIT STRING of whole bytes: no unused bits. */
    static byte[] bitString(byte[] bytes) {
        byte[] c = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, c, 1, bytes.length);
        return tlv(BIT_STRING, c);
    }

    /** AlgorithmIdentifier of ecdsa-with-SHA256: the OID alone, parameters absent. */
    static byte[] ecdsaWithSha256() {
        return sequence(tlv(OID, ECDSA_WITH_SHA256));
    }

    /** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050 (section 4.1.2.5). */
    static byte[] time(Instant t) {
        int year = t.atZone(ZoneOffset.UTC).getYear();
        return year < 2050 && year >= 1950
                ? tlv(UTC_TIME, UTC.format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(GENERALIZED_TIME, GENERALIZED.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A Name of one RDN per attribute, in order, each a UTF8String value.
     *
     * @param attributes OID contents and value, alternating: {@code COMMON_NAME, "x", ORGANIZATION, "y"}
     */
    static byte[] name(Object... attributes) {
        ByteArrayOutputStream rdns = new ByteArrayOutputStream();
        for (int i = 0; i < attributes.length; i += 2) {
            byte[] atv = sequence(tlv(OID, (byte[]) attributes[i]),
                    tlv(UTF8_STRING, ((String) attributes[i + 1]).getBytes(StandardCharsets.UTF_8)));
            rdns.writeBytes(tlv(SET, atv));
        }
        return tlv(SEQUENCE, rdns.toByteArray());
    }
}
