package org.leo.image.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.leo.boot.manifest.SignedManifest;
import org.leo.image.ImageVerifier;
import org.leo.image.Tree;

/**
 * Rebuilds the appliance image with a signed manifest's image id and creation time (as
 * SOURCE_DATE_EPOCH) and compares the rebuilt {@value ApplianceImageBuilder#IMAGE} and
 * {@value ApplianceImageBuilder#INFO} (whose root hash the manifest thereby signs) with the
 * manifest's entries ({@code leo image verify --appliance}). The signature is the caller's to
 * check first.
 */
public final class ApplianceVerifier {
    private ApplianceVerifier() {
    }

    /**
     * @param inputs the build's inputs; its out dir, time, image id and key are replaced: the
     *               rebuild goes to a temporary directory, deleted afterwards, and is not signed
     */
    public static List<ImageVerifier.Comparison> verify(ApplianceImageBuilder.Config inputs, SignedManifest manifest) throws IOException {
        Path out = Files.createTempDirectory("leo-appliance-verify-");
        try {
            ApplianceImageBuilder.Result r = ApplianceImageBuilder.build(new ApplianceImageBuilder.Config(inputs.lock(), inputs.cacheDir(),
                    inputs.leoPackage(), inputs.jdkHome(), out, manifest.manifest().createdAt().getEpochSecond(),
                    manifest.manifest().imageId(), null));
            return ImageVerifier.compare(r.outputs(), manifest);
        } finally {
            Tree.delete(out);
        }
    }
}
