package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.leo.image.HpcImageBuilder;
import org.leo.pxe.manifest.Ed25519Keys;
import org.leo.pxe.manifest.ManifestEntry;
import org.leo.pxe.manifest.ManifestFormatException;
import org.leo.pxe.manifest.ManifestParser;
import org.leo.pxe.manifest.SignedManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leo image verify}: rebuild the image and compare it with a signed manifest. */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Rebuild the HPC image from the pinned inputs and check it against a signed boot manifest.",
        descriptionHeading = "%nDescription:%n",
        description = {"Checks the manifest's signature with the appliance's public key, then builds the image again with the "
                + "manifest's image id and creation time as SOURCE_DATE_EPOCH, and compares the SHA-256 and size of vmlinuz and "
                + "initrd.img with the manifest's entries. This is how anyone holding the repository and the lock file checks the "
                + "reference the Pi attests against."},
        footerHeading = "%nExit status:%n",
        footer = {"  0  the rebuilt image is the manifest's, byte for byte", "  1  it differs (each difference is printed), "
                + "or the signature does not verify", "  2  bad options, or the manifest does not parse", "",
                "Examples:", "  leo image verify --manifest /srv/leo/boot/boot-manifest --pub /var/lib/leo/boot-manifest.pub"})
public class ImageVerifyCommand implements Callable<Integer> {
    @Mixin
    ImageCommand.Inputs inputs = new ImageCommand.Inputs();

    @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The signed boot manifest to check.")
    Path manifest;

    @Option(names = "--pub", paramLabel = "FILE", required = true, description = "The appliance's Ed25519 public key.")
    Path pub;

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
        Path out = Files.createTempDirectory("leo-image-verify-");
        try {
            HpcImageBuilder.Result r = HpcImageBuilder.build(inputs.config(out, signed.manifest().createdAt().getEpochSecond(),
                    signed.manifest().imageId(), null));
            int differ = 0;
            for (Path built : new Path[] {r.vmlinuz(), r.initrd()}) {
                String name = built.getFileName().toString();
                var entry = signed.manifest().entry(name);
                String sha = org.leo.pxe.manifest.Sha256.hex(built);
                if (entry.isEmpty()) {
                    System.out.println(name + ": not in the manifest");
                    differ++;
                } else if (!entry.get().sha256Hex().equals(sha) || entry.get().size() != Files.size(built)) {
                    ManifestEntry e = entry.get();
                    System.out.println(name + ": DIFFERS: the manifest says " + e.size() + " bytes sha256=" + e.sha256Hex()
                            + ", the rebuild gives " + Files.size(built) + " bytes sha256=" + sha);
                    differ++;
                } else {
                    System.out.println(name + ": identical (" + e(entry.get()) + ")");
                }
            }
            return differ == 0 ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            System.err.println("leo image verify: " + e.getMessage());
            return 1;
        } finally {
            try (var s = Files.walk(out)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String e(ManifestEntry m) {
        return m.size() + " bytes, sha256=" + m.sha256Hex().substring(0, 16) + "..";
    }
}
