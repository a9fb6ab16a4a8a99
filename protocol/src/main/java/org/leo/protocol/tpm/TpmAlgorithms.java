package org.leo.protocol.tpm;

import java.util.Map;

/** Names of the TPM_ALG_ID values that appear in quotes, for messages (TCG Algorithm Registry). */
final class TpmAlgorithms {
    static final int RSASSA = 0x0014;
    static final int RSAPSS = 0x0016;
    static final int ECDSA = 0x0018;
    static final int SHA256 = 0x000B;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0x0004, "sha1"), Map.entry(SHA256, "sha256"), Map.entry(0x000C, "sha384"),
            Map.entry(0x000D, "sha512"), Map.entry(0x0012, "sm3_256"), Map.entry(0x0010, "null"),
            Map.entry(RSASSA, "rsassa"), Map.entry(RSAPSS, "rsapss"), Map.entry(ECDSA, "ecdsa"),
            Map.entry(0x001A, "ecdaa"), Map.entry(0x001B, "sm2"), Map.entry(0x001C, "ecschnorr"),
            Map.entry(0x0005, "hmac"), Map.entry(0x0015, "rsaes"), Map.entry(WrapKeyCommands.OAEP, "oaep"));

    private TpmAlgorithms() {
    }

    /** "sha256", or "alg 0x1234" for an id we do not know. */
    static String name(int alg) {
        String n = NAMES.get(alg);
        return n != null ? n : String.format("alg 0x%04x", alg);
    }
}
