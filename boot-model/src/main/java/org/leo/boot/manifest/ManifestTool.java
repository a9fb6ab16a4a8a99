package org.leo.boot.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * The operations behind the {@code manifest} CLI: generate a signing key pair, create and sign a
 * manifest of a boot root, verify a boot root against a signed manifest, load a verified
 * manifest for serving.
 */
public final class ManifestTool {
    /** File names {@link #generateKeyPair} writes. */
    public static final String PRIVATE_KEY_FILE = "boot-manifest.key";
    public static final String PUBLIC_KEY_FILE = "boot-manifest.pub";

    /** The two key files written by {@link #generateKeyPair}. */
    public record KeyFiles(Path privateKey, Path publicKey) {
    }

    private ManifestTool() {
    }

    /** Writes a fresh Ed25519 key pair into {@code dir} (private key mode 0600); refuses to overwrite. */
    public static KeyFiles generateKeyPair(Path dir) throws IOException {
        Files.createDirectories(dir);
        AsymmetricCipherKeyPair pair = Ed25519Keys.generate();
        Path priv = dir.resolve(PRIVATE_KEY_FILE);
        Path pub = dir.resolve(PUBLIC_KEY_FILE);
        if (Files.exists(priv, LinkOption.NOFOLLOW_LINKS) || Files.exists(pub, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("refusing to overwrite an existing key in " + dir);
        }
        Ed25519Keys.writePrivate(priv, (Ed25519PrivateKeyParameters) pair.getPrivate());
        Ed25519Keys.writePublic(pub, (Ed25519PublicKeyParameters) pair.getPublic());
        return new KeyFiles(priv, pub);
    }

    /**
     * Hashes every listable file under {@code bootRoot}, signs the manifest with
     * {@code privateKey} and writes it atomically to {@code manifestOut} (which is skipped if it
     * lies inside the root).
     *
     * @throws IOException when the root holds anything that cannot be listed (symlink leaving
     *                     the root, device, bad name) - a manifest must describe the whole root
     */
    public static SignedManifest create(Path bootRoot, Path privateKey, Path manifestOut, String imageId) throws IOException {
        return create(bootRoot, privateKey, manifestOut, imageId, Instant.now());
    }

    /**
     * As {@link #create(Path, Path, Path, String)}, with the manifest's creation time given: a
     * reproducible build passes SOURCE_DATE_EPOCH, and Ed25519 signatures are deterministic, so
     * equal inputs give an equal signed manifest.
     */
    public static SignedManifest create(Path bootRoot, Path privateKey, Path manifestOut, String imageId, Instant createdAt)
            throws IOException {
        Ed25519PrivateKeyParameters key = Ed25519Keys.readPrivate(privateKey);
        BootRootScanner.Scan scan = BootRootScanner.scan(bootRoot, Set.of(manifestOut, privateKey));
        if (!scan.unlistable().isEmpty()) {
            FileCheck first = scan.unlistable().get(0);
            throw new IOException("cannot list " + first.path() + " in a manifest: " + first.detail()
                    + (scan.unlistable().size() > 1 ? " (and " + (scan.unlistable().size() - 1) + " more)" : ""));
        }
        if (scan.files().size() > BootManifest.MAX_ENTRIES) {
            throw new IOException("boot root has " + scan.files().size() + " files, more than " + BootManifest.MAX_ENTRIES);
        }
        List<ManifestEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Path> f : scan.files().entrySet()) {
            BootRootScanner.Measured m = BootRootScanner.measure(f.getValue());
            if (m.size() > BootManifest.MAX_ARTIFACT_SIZE) {
                throw new IOException(f.getKey() + " is larger than " + BootManifest.MAX_ARTIFACT_SIZE + " bytes");
            }
            entries.add(new ManifestEntry(f.getKey(), m.size(), m.sha256Hex()));
        }
        SignedManifest signed = SignedManifest.sign(new BootManifest(imageId, createdAt, entries), key);
        Path tmp = manifestOut.resolveSibling(manifestOut.getFileName() + ".tmp");
        Files.write(tmp, signed.encode());
        Files.move(tmp, manifestOut, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return signed;
    }

    /**
     * Checks the signature and every file. A manifest file that does not parse throws; a bad
     * signature does not (the report says so, and the file checks are still useful).
     */
    public static VerifyReport verify(Path manifest, Path publicKey, Path bootRoot) throws IOException, ManifestFormatException {
        SignedManifest signed = ManifestParser.parse(readManifestFile(manifest));
        Ed25519PublicKeyParameters key = Ed25519Keys.readPublic(publicKey);
        boolean sigOk = signed.verify(key);
        BootRootScanner.Scan scan = BootRootScanner.scan(bootRoot, Set.of(manifest));
        Path root = bootRoot.toRealPath();
        List<FileCheck> checks = new ArrayList<>();
        for (ManifestEntry e : signed.manifest().entries()) {
            checks.add(check(root, e, Optional.ofNullable(scan.files().get(e.path()))));
        }
        for (String found : scan.files().keySet()) {
            if (signed.manifest().entry(found).isEmpty()) {
                checks.add(new FileCheck(found, FileCheck.Status.EXTRA, "not listed in the manifest"));
            }
        }
        for (FileCheck u : scan.unlistable()) {
            if (signed.manifest().entry(u.path()).isEmpty()) {
                checks.add(u);
            }
        }
        return new VerifyReport(sigOk, Ed25519Keys.fingerprint(key), signed.manifest().imageId(),
                signed.manifest().createdAt(), checks);
    }

    /** Parses {@code manifest} and returns it only if {@code publicKey} verifies its signature. */
    public static BootManifest loadVerified(Path manifest, Path publicKey) throws IOException, ManifestFormatException {
        SignedManifest signed = ManifestParser.parse(readManifestFile(manifest));
        Ed25519PublicKeyParameters key = Ed25519Keys.readPublic(publicKey);
        if (!signed.verify(key)) {
            throw new ManifestFormatException("signature does not verify with key " + Ed25519Keys.fingerprint(key));
        }
        return signed.manifest();
    }

    /** Reads at most {@link ManifestParser#MAX_FILE_BYTES} + 1 bytes, so an oversized file is detected, not loaded. */
    static byte[] readManifestFile(Path manifest) throws IOException, ManifestFormatException {
        try (InputStream in = Files.newInputStream(manifest)) {
            byte[] bytes = in.readNBytes(ManifestParser.MAX_FILE_BYTES + 1);
            if (bytes.length > ManifestParser.MAX_FILE_BYTES) {
                throw new ManifestFormatException("manifest is larger than " + ManifestParser.MAX_FILE_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static FileCheck check(Path root, ManifestEntry e, Optional<Path> found) throws IOException {
        if (found.isEmpty()) {
            Path p = root.resolve(e.path());
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return new FileCheck(e.path(), FileCheck.Status.NOT_REGULAR, "not a regular file inside the boot root");
            }
            return new FileCheck(e.path(), FileCheck.Status.MISSING, "listed but not in the boot root");
        }
        BootRootScanner.Measured m = BootRootScanner.measure(found.get());
        if (m.size() != e.size()) {
            return new FileCheck(e.path(), FileCheck.Status.SIZE_MISMATCH, "size " + m.size() + ", manifest says " + e.size());
        }
        if (!m.sha256Hex().equals(e.sha256Hex())) {
            return new FileCheck(e.path(), FileCheck.Status.DIGEST_MISMATCH, "sha256 " + m.sha256Hex() + ", manifest says " + e.sha256Hex());
        }
        return new FileCheck(e.path(), FileCheck.Status.OK, "");
    }
}
