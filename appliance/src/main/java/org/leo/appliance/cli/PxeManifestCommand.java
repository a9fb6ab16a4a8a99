package org.leo.appliance.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.leo.boot.manifest.FileCheck;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.SignedManifest;
import org.leo.boot.manifest.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo pxe manifest keygen|create|verify}: the signed list of everything the boot server may serve. */
@Command(name = "manifest",
        mixinStandardHelpOptions = true,
        subcommands = {PxeManifestCommand.Keygen.class, PxeManifestCommand.Create.class, PxeManifestCommand.Verify.class},
        description = {
            "The boot manifest lists every file the boot server may serve, with its size and SHA-256, and is signed "
                + "with the appliance's Ed25519 key. 'leo pxe serve' refuses to start on a manifest that does not "
                + "verify, and refuses any file that is not listed or whose bytes no longer match.",
        })
public class PxeManifestCommand {

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Generate the appliance's Ed25519 manifest-signing key pair: "
                    + ManifestTool.PRIVATE_KEY_FILE + " (PKCS#8 PEM, mode 0600) and " + ManifestTool.PUBLIC_KEY_FILE
                    + " (SubjectPublicKeyInfo PEM). Refuses to overwrite existing keys.")
    static class Keygen implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = "/etc/leo",
                description = "Where to write the key pair. Default: ${DEFAULT-VALUE}.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(dir);
            System.out.println("private key: " + keys.privateKey());
            System.out.println("public key:  " + keys.publicKey());
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Hash every regular file under the boot root and write a signed manifest. Symbolic links "
                    + "that leave the root are refused.")
    static class Create implements Callable<Integer> {
        @Option(names = "--boot-root", paramLabel = "DIR", required = true, description = "The directory of boot files.")
        Path bootRoot;

        @Option(names = "--key", paramLabel = "FILE", required = true, description = "The Ed25519 private key.")
        Path key;

        @Option(names = "--out", paramLabel = "FILE", required = true,
                description = "Where to write the manifest (outside the boot root, so it does not list itself).")
        Path out;

        @Option(names = "--image-id", paramLabel = "TEXT", defaultValue = "leo-hpc-image",
                description = "A name for this image, kept in the manifest. Default: ${DEFAULT-VALUE}.")
        String imageId;

        @Override
        public Integer call() throws Exception {
            SignedManifest signed = ManifestTool.create(bootRoot, key, out, imageId);
            for (ManifestEntry e : signed.manifest().entries()) {
                System.out.println(e.sha256Hex() + "  " + e.size() + "  " + e.path());
            }
            System.out.println("wrote " + out + ": " + signed.manifest().entries().size() + " files, image '" + imageId + "'");
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a manifest's signature and every file it lists against the boot root; also report "
                    + "files in the root that it does not list.",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:signature valid and every file matches", "1:a problem was found (listed above), or the manifest or the key cannot be read", "2:invalid options"})
    static class Verify implements Callable<Integer> {
        @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The signed manifest.")
        Path manifest;

        @Option(names = "--public-key", paramLabel = "FILE", required = true, description = "The Ed25519 public key.")
        Path publicKey;

        @Option(names = "--boot-root", paramLabel = "DIR", required = true, description = "The directory of boot files.")
        Path bootRoot;

        @Override
        public Integer call() throws Exception {
            VerifyReport report = ManifestTool.verify(manifest, publicKey, bootRoot);
            System.out.println("signature: " + (report.signatureValid() ? "valid" : "INVALID")
                    + " (key " + report.keyFingerprint() + "), image '" + report.imageId() + "' created " + report.createdAt());
            for (FileCheck f : report.files()) {
                System.out.println(f.status() + "  " + f.path() + (f.detail().isEmpty() ? "" : "  " + f.detail()));
            }
            System.out.println(report.ok() ? "OK" : "FAILED: " + report.problems().size() + " problem(s)"
                    + (report.signatureValid() ? "" : ", signature invalid"));
            return report.ok() ? 0 : 1;
        }
    }
}
