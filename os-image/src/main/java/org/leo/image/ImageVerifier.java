package org.leo.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.manifest.SignedManifest;

/**
 * Rebuilds the HPC image with a signed manifest's own image id and creation time (as
 * SOURCE_DATE_EPOCH) and compares the rebuilt vmlinuz, initrd.img, the unified kernel image
 * leo-hpc.efi with its expected measurements leo-hpc.efi.measurements (when the lock pins the stub),
 * and boot.ipxe.template with the manifest's entries.
 * This is how anyone holding the repository and the lock file checks the reference the Pi attests
 * against. The signature is the caller's to check first.
 */
public final class ImageVerifier {
    /** One rebuilt file against the manifest; {@code expected} is empty if the manifest does not list it. */
    public record Comparison(String file, Optional<ManifestEntry> expected, long size, String sha256) {
        public boolean identical() {
            return expected.isPresent() && expected.get().size() == size && expected.get().sha256Hex().equals(sha256);
        }

        /** "initrd.img: identical (..)" or what differs. */
        public String sentence() {
            if (expected.isEmpty()) {
                return file + ": not in the manifest";
            }
            ManifestEntry e = expected.get();
            return identical()
                    ? file + ": identical (" + size + " bytes, sha256=" + sha256.substring(0, 16) + "..)"
                    : file + ": DIFFERS: the manifest says " + e.size() + " bytes sha256=" + e.sha256Hex()
                            + ", the rebuild gives " + size + " bytes sha256=" + sha256;
        }
    }

    private ImageVerifier() {
    }

    /**
     * @param inputs the build's inputs; its out dir, time, image id and key are replaced: the
     *               rebuild goes to a temporary directory, deleted afterwards, and is not signed
     */
    public static List<Comparison> verify(HpcImageBuilder.Config inputs, SignedManifest manifest) throws IOException {
        Path out = Files.createTempDirectory("leo-image-verify-");
        try {
            HpcImageBuilder.Result r = HpcImageBuilder.build(new HpcImageBuilder.Config(inputs.lock(), inputs.cacheDir(),
                    inputs.agentJars(), inputs.jvmOptions(), inputs.jdkHome(), out, manifest.manifest().createdAt().getEpochSecond(),
                    manifest.manifest().imageId(), null, inputs.withDocker()));
            return compare(r.outputs(), manifest);
        } finally {
            Tree.delete(out);
        }
    }

    /** Each of {@code built}'s files against the manifest's entry of its name. */
    public static List<Comparison> compare(List<Path> built, SignedManifest manifest) throws IOException {
        List<Comparison> result = new ArrayList<>();
        for (Path b : built) {
            String name = b.getFileName().toString();
            result.add(new Comparison(name, manifest.manifest().entry(name), Files.size(b), Sha256.hex(b)));
        }
        return result;
    }
}
