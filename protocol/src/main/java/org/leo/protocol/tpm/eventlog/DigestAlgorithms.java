package org.leo.protocol.tpm.eventlog;

import java.util.Map;

/**
 * The hash algorithms of the TCG Algorithm Registry that can be PCR banks, with their digest
 * sizes: a Spec ID event that declares one of these with another size is refused. Algorithms not
 * listed here are legal in a log; their digests are skipped by the size the Spec ID event declares.
 */
final class DigestAlgorithms {
    static final int SHA1 = 0x0004;
    static final int SHA256 = 0x000B;
    static final int SHA384 = 0x000C;
    static final int SHA512 = 0x000D;
    static final int SM3_256 = 0x0012;
    static final int SHA3_256 = 0x0027;
    static final int SHA3_384 = 0x0028;
    static final int SHA3_512 = 0x0029;

    private record Known(String name, int size) {
    }

    private static final Map<Integer, Known> KNOWN = Map.of(
            SHA1, new Known("sha1", 20), SHA256, new Known("sha256", 32), SHA384, new Known("sha384", 48),
            SHA512, new Known("sha512", 64), SM3_256, new Known("sm3_256", 32), SHA3_256, new Known("sha3_256", 32),
            SHA3_384, new Known("sha3_384", 48), SHA3_512, new Known("sha3_512", 64));

    private DigestAlgorithms() {
    }

    /** "sha256", or "alg 0x1234" for an id not listed here. */
    static String name(int alg) {
        Known k = KNOWN.get(alg);
        return k != null ? k.name() : String.format("alg 0x%04x", alg);
    }

    /** The registry's digest size, or -1 for an algorithm not listed here. */
    static int knownSize(int alg) {
        Known k = KNOWN.get(alg);
        return k != null ? k.size() : -1;
    }
}
