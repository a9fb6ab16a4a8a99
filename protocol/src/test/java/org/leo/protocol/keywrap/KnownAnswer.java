package org.leo.protocol.keywrap;

import java.util.HexFormat;

/**
 * One sealed key with everything fixed: the agent key and the ephemeral key are RFC 5903's ECDH
 * pair ({@link TestKeys}), the secret is 00..1f, the nonce 00..0b, the context task "task-42"
 * with SHA-256("capsule") and SHA-256("agent certificate"). {@link #SEALED} was computed by
 * {@link AgentKeyWrap} and independently by BouncyCastle ({@code AgentKeyWrapCrossCheckTest}).
 */
final class KnownAnswer {
    static final byte[] SECRET = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    static final byte[] NONCE = HexFormat.of().parseHex("000102030405060708090a0b");
    static final ReleaseContext CONTEXT = new ReleaseContext("task-42", AgentKeyWrapTest.sha256("capsule"),
            AgentKeyWrapTest.sha256("agent certificate"));
    static final String SEALED = "01" // version
            + "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63" // ephemeral point: RFC 5903 g^r
            + "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"
            + "000102030405060708090a0b" // nonce
            + "bd7c3e3801dd7c54cd4c114ac9bc95aaae09474b95ea7495108e04bcb305f132" // ciphertext of 00..1f
            + "45852f2af330740a6cc255c98e153907"; // tag

    private KnownAnswer() {
    }
}
