package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.image.ImageVerifier;
import org.leo.image.appliance.ApplianceVerifier;
import org.leo.boot.manifest.Ed25519Keys;
import org.leo.boot.manifest.ManifestFormatException;
import org.leo.boot.manifest.ManifestParser;
import org.leo.boot.manifest.SignedManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leo image verify}: rebuild the image and compare it with a signed manifest. */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Rebuild the HPC image (or with --appliance, the Pi's image) from the pinned inputs and check it against a signed manifest.",
        descriptionHeading = "%nDescription:%n",
        description = {"Checks the manifest's signature with the appliance's public key, then builds the image again with the "
                + "manifest's image id and creation time as SOURCE_DATE_EPOCH, and compares the SHA-256 and size of vmlinuz and "
                + "initrd.img with the manifest's entries. This is how anyone holding the repository and the lock file checks the "
                + "reference the Pi attests against.",
                "",
                "With --appliance, the manifest is leo image build-appliance's (leo-appliance.manifest): the appliance image is built "
                + "again from --appliance-lock and --leo-deb, and leo-appliance.img and leo-appliance.info (which holds the dm-verity "
                + "root hash) are compared with its entries."},
        footerHeading = "%nExit status:%n",
        footer = {"  0  the rebuilt image is the manifest's, byte for byte", "  1  it differs (each difference is printed), "
                + "or the signature does not verify", "  2  bad options, or the manifest does not parse", "",
                "Examples:", "  leo image verify --manifest /srv/leo/boot/boot-manifest --public-key /var/lib/leo/boot-manifest.pub",
                "  leo image verify --appliance --manifest /srv/leo/appliance/leo-appliance.manifest --public-key /etc/leo/boot-manifest.pub"})
public class ImageVerifyCommand implements Callable<Integer> {
    @Mixin
    ImageCommand.Inputs inputs = new ImageCommand.Inputs();

    @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The signed boot manifest to check.")
    Path manifest;

    @Option(names = "--public-key", paramLabel = "FILE", required = true, description = "The appliance's Ed25519 public key.")
    Path pub;

    @Option(names = "--appliance", description = "The manifest is the Pi appliance image's (leo image build-appliance): rebuild that image.")
    boolean appliance;

    @Mixin
    ImageBuildApplianceCommand.Inputs applianceInputs = new ImageBuildApplianceCommand.Inputs();

    @Override
    public Integer call() throws IOException {
        SignedManifest signed;
        try {
            signed = ManifestParser.parse(Files.readAllBytes(manifest));
        } catch (ManifestFormatException | IOException e) {
            System.err.println("leo image verify: " + manifest + ": " + e.getMessage());
            return 2;
        }
        if (!signed.verify(Ed25519Keys.readPublic(pub))) {
            System.out.println("signature: BAD (not made by the key in " + pub + ")");
            return 1;
        }
        System.out.println("signature: good");
        try {
            List<ImageVerifier.Comparison> result = appliance
                    ? ApplianceVerifier.verify(applianceInputs.config(inputs.toolchain, null, 0, null, null), signed)
                    : ImageVerifier.verify(inputs.config(null, 0, null, null), signed);
            result.forEach(c -> System.out.println(c.sentence()));
            return result.stream().allMatch(ImageVerifier.Comparison::identical) ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            System.err.println("leo image verify: " + e.getMessage());
            return 1;
        }
    }
}
