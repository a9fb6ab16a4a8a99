package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.leo.boot.manifest.ManifestTool;

/**
 * A signed image as the image builders leave one: {@code DIR/NAME} (random bytes of a given length) and {@code
 * DIR/boot-manifest} listing it, signed with a fresh Ed25519 key whose public half is {@code DIR/keys/boot-manifest.pub}.
 */
record FlashFixture(Path image, Path manifest, Path publicKey, Path privateKey) {
    static FlashFixture make(Path dir, String name, int length, long seed) throws IOException {
        Path imageDir = Files.createDirectories(dir.resolve("image"));
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        Path image = Files.write(imageDir.resolve(name), bytes);
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(dir.resolve("keys"));
        Path manifest = imageDir.resolve(FlashCommand.DEFAULT_MANIFEST);
        ManifestTool.create(imageDir, keys.privateKey(), manifest, "leo-appliance-test", Instant.ofEpochSecond(1764547200L));
        return new FlashFixture(image, manifest, keys.publicKey(), keys.privateKey());
    }

    /** {@code leo flash --image IMAGE --public-key KEY --device DEVICE} and then {@code more}. */
    String[] args(Path device, String... more) {
        String[] base = {"flash", "--image", image.toString(), "--public-key", publicKey.toString(), "--device", device.toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    /** Flips the bits of the byte at {@code offset} of {@code file} (an image, or a device behind leo's back), then fsyncs. */
    static void flipByte(Path file, long offset) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.flip();
            b.put(0, (byte) ~b.get(0));
            ch.write(b, offset);
            ch.force(true);
        }
    }
}
