package org.leo.protocol.keywrap;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;

/**
 * Fixed P-256 keys for known answers: the two key pairs of RFC 5903, 8.1 (its ECDH test vector),
 * so the shared secret of {@link #AGENT} and {@link #EPHEMERAL} is the RFC's girx.
 */
final class TestKeys {
    /** RFC 5903, 8.1: i and g^i. Plays the agent. */
    static final KeyPair AGENT = pair("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
            "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180",
            "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3");
    /** RFC 5903, 8.1: r and g^r. Plays the ephemeral key of a seal. */
    static final KeyPair EPHEMERAL = pair("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
            "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63",
            "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab");
    /** RFC 5903, 8.1: girx, the x coordinate of g^(ir). */
    static final String SHARED_X = "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de";

    private TestKeys() {
    }

    static KeyPair pair(String d, String x, String y) {
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            return new KeyPair(
                    kf.generatePublic(new ECPublicKeySpec(new ECPoint(new BigInteger(x, 16), new BigInteger(y, 16)), P256.SPEC)),
                    kf.generatePrivate(new ECPrivateKeySpec(new BigInteger(d, 16), P256.SPEC)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECPublicKey agentPublic() {
        return (ECPublicKey) AGENT.getPublic();
    }
}
