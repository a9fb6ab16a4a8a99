package org.leo.image.flash;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.leo.boot.manifest.Ed25519Keys;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.ManifestFormatException;
import org.leo.boot.manifest.ManifestParser;
import org.leo.boot.manifest.SignedManifest;
import org.leo.boot.manifest.Sha256;

/**
 * An image file and its entry in a signed manifest ({@link SignedManifest}, the same Ed25519-signed
 * {@code leo-boot-manifest v1} that {@code leo pxe manifest create} and the image builders write): the signature is
 * checked with the given public key, the entry is found by name (by default the image's file name), and the image's
 * size and SHA-256 are compared with the entry before anything is written. The entry, not the file, is then what the
 * device is verified against: a file that changed after this check is caught by the read-back.
 */
public final class SignedImage {
    private final SignedManifest signed;
    private final String keyFingerprint;
    private final ManifestEntry entry;

    private SignedImage(SignedManifest signed, String keyFingerprint, ManifestEntry entry) {
        this.signed = signed;
        this.keyFingerprint = keyFingerprint;
        this.entry = entry;
    }

    /**
     * Reads {@code manifest}, checks its signature with {@code publicKey} and finds {@code entryName} in it.
     *
     * @throws FlashRefused when the manifest does not parse, is not signed by that key, or does not list the entry
     * @throws IOException  when a file cannot be read
     */
    public static SignedImage load(Path manifest, Path publicKey, String entryName) throws FlashRefused, IOException {
        SignedManifest signed;
        try (InputStream in = Files.newInputStream(manifest)) {
            byte[] bytes = in.readNBytes(ManifestParser.MAX_FILE_BYTES + 1);
            if (bytes.length > ManifestParser.MAX_FILE_BYTES) {
                throw new FlashRefused("the manifest " + manifest + " is larger than " + ManifestParser.MAX_FILE_BYTES + " bytes");
            }
            signed = ManifestParser.parse(bytes);
        } catch (NoSuchFileException e) {
            throw new FlashRefused("no manifest " + manifest + " (give it with --manifest)");
        } catch (ManifestFormatException e) {
            throw new FlashRefused("the manifest " + manifest + " does not parse: " + e.getMessage());
        }
        Ed25519PublicKeyParameters key;
        try {
            key = Ed25519Keys.readPublic(publicKey);
        } catch (IOException | RuntimeException e) {
            throw new FlashRefused("cannot read the public key " + publicKey + ": "
                    + (e instanceof NoSuchFileException ? "no such file" : e.getMessage()));
        }
        String fingerprint = Ed25519Keys.fingerprint(key);
        if (!signed.verify(key)) {
            throw new FlashRefused("the manifest " + manifest + " is not signed by the key in " + publicKey + " (" + fingerprint + ")");
        }
        ManifestEntry entry = signed.manifest().entry(entryName).orElseThrow(() -> new FlashRefused("the manifest " + manifest
                + " lists no '" + entryName + "' (it lists: " + String.join(", ", signed.manifest().entries().stream().limit(10)
                        .map(ManifestEntry::path).toList()) + (signed.manifest().entries().size() > 10 ? ", ..." : "") + "; --entry names another)"));
        return new SignedImage(signed, fingerprint, entry);
    }

    /**
     * Compares {@code image} with the entry: size first, then SHA-256 (reporting progress).
     *
     * @throws FlashRefused when they differ
     */
    public void check(Path image, Progress progress) throws FlashRefused, IOException {
        if (!Files.isRegularFile(image)) {
            throw new FlashRefused(image + " is not a regular file");
        }
        long size = Files.size(image);
        if (size != entry.size()) {
            throw new FlashRefused("the image " + image + " has " + size + " bytes, its signed manifest says " + entry.size());
        }
        MessageDigest md = Sha256.newDigest();
        byte[] buf = new byte[1 << 20];
        long done = 0;
        try (InputStream in = Files.newInputStream(image)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                done += n;
                progress.update(done);
            }
        }
        progress.done(done);
        String sha = HexFormat.of().formatHex(md.digest());
        if (done != entry.size()) {
            throw new FlashRefused("the image " + image + " changed while it was read (" + done + " bytes, the manifest says " + entry.size() + ")");
        }
        if (!sha.equals(entry.sha256Hex())) {
            throw new FlashRefused("the image " + image + " has SHA-256 " + sha + ", its signed manifest says " + entry.sha256Hex());
        }
    }

    public ManifestEntry entry() {
        return entry;
    }

    public String imageId() {
        return signed.manifest().imageId();
    }

    /** The signing key's fingerprint ({@link Ed25519Keys#fingerprint}). */
    public String keyFingerprint() {
        return keyFingerprint;
    }
}
