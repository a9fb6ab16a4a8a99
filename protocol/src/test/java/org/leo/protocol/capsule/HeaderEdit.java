package org.leo.protocol.capsule;

import java.time.Instant;

/** A capsule header taken apart, one field changed, and put back together (tests only). */
final class HeaderEdit {
    int version;
    byte[] owner;
    CapsuleKind kind;
    ContentAddress payload;
    byte[] plaintextSha256;
    long plaintextSize;
    byte[] nonce;
    String image;
    Network network;
    boolean cleanup;
    long minExecutor;
    long minMonitor;
    Terms terms;
    Instant createdAt;
    String label;
    byte[] signature;

    HeaderEdit(CapsuleHeader h) {
        version = h.version();
        owner = h.owner();
        kind = h.kind();
        payload = h.payload();
        plaintextSha256 = h.plaintextSha256();
        plaintextSize = h.plaintextSize();
        nonce = h.nonce();
        image = h.requirements().imageDigest();
        network = h.requirements().network();
        cleanup = h.requirements().cleanupRequired();
        minExecutor = h.requirements().minExecutorCredit();
        minMonitor = h.requirements().minMonitorCredit();
        terms = h.terms();
        createdAt = h.createdAt();
        label = h.label();
        signature = h.signature();
    }

    CapsuleHeader build() {
        return new CapsuleHeader(version, owner, kind, payload, plaintextSha256, plaintextSize, nonce,
                new Requirements(image, network, cleanup, minExecutor, minMonitor), terms, createdAt, label, signature);
    }

    /** {@code h} with {@code change} applied, its signature kept. */
    static CapsuleHeader changed(CapsuleHeader h, java.util.function.Consumer<HeaderEdit> change) {
        HeaderEdit e = new HeaderEdit(h);
        change.accept(e);
        return e.build();
    }

    /** {@code b} with one bit of byte {@code i} flipped. */
    static byte[] flip(byte[] b, int i) {
        byte[] c = b.clone();
        c[i] ^= 1;
        return c;
    }
}
