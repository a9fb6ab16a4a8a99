package org.leo.agent.collect;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 instances (FIPS 180-4). */
final class Digests {
    private Digests() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }
}
