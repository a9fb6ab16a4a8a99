package org.leo.appliance.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.leo.image.ServiceImageBuilder;
import org.leo.image.ServiceSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo image build-service}: a service image from pinned Debian packages, without a registry. */
@Command(name = "build-service",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Build a service image (a docker save archive) from pinned Debian packages and print its image id.",
        descriptionHeading = "%nDescription:%n",
        description = {"Reads the service spec (os-image/services/NAME.service: 'service NAME', 'deb PACKAGE VERSION ARCH SHA256' lines "
                + "as in inputs.lock, 'only PACKAGE PATH...' to take just some files of a package, 'busybox APPLET...' for busybox's "
                + "applet links), fetches the packages with apt-get download (nothing is installed), checks their SHA-256, and writes "
                + "one layer of their programs and libraries (no usr/share), /etc/passwd and /etc/group with nobody and an empty "
                + "/work, its config (User 65534:65534, Env PATH=/usr/bin:/bin TMPDIR=/work, WorkingDir /work, Cmd /bin/sh /work/code, "
                + "no volumes, os linux, the packages' architecture) and the docker save archive of both, which 'docker load' "
                + "and the agent's sandbox read.",
                "",
                "Every byte is fixed by the spec and the packages: the same spec gives the same archive and the same image id, "
                + "the SHA-256 of the config, which a ServicePublished ledger entry names. The service's code is not in the image: "
                + "it is the author's code capsule, decrypted into the task's /work/code. See docs/tasks.md \"Service images (built)\"."},
        footerHeading = "%nExit status:%n",
        footer = {"  0  built; the image id is printed (sha256:HEX)", "  1  a package is missing or does not match the spec, or a tool failed",
                "  2  bad options or a malformed spec", "",
                "Examples:",
                "  leo image build-service --spec os-image/services/grey.service --out grey.tar",
                "  docker load -i grey.tar          (Loaded image ID: the same sha256:HEX)"})
public class ImageBuildServiceCommand implements Callable<Integer> {
    @Option(names = "--spec", paramLabel = "FILE", required = true, description = "The service spec (os-image/services/*.service).")
    Path spec;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The docker save archive to write.")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR", defaultValue = "/var/cache/leo/image",
            description = "Where the Debian packages are downloaded and unpacked. Default: ${DEFAULT-VALUE}.")
    Path cache;

    @Override
    public Integer call() {
        ServiceSpec s;
        try {
            s = ServiceSpec.read(spec);
        } catch (java.io.IOException | IllegalArgumentException e) {
            System.err.println("leo image build-service: " + e.getMessage());
            return 2;
        }
        try {
            ServiceImageBuilder.Built b = ServiceImageBuilder.build(s, cache, out);
            System.err.printf("built service image %s (%s): %s, %d bytes, one layer of %d entries%n", s.name(), s.arch(), b.archive(),
                    Files.size(b.archive()), b.entries());
            System.out.println(b.id());
            return 0;
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("leo image build-service: " + e.getMessage());
            return 1;
        }
    }
}
