package org.leo.appliance.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every image build shares: where its packages are cached and which JDK links, and where and when its output is made. */
final class ImageBuildOptions {
    private ImageBuildOptions() {
    }

    /** {@code --cache} and {@code --jdk}. */
    static class Toolchain {
        @Option(names = "--cache", paramLabel = "DIR", defaultValue = "/var/cache/leo/image",
                description = "Where the Debian packages are downloaded and unpacked. Default: ${DEFAULT-VALUE}.")
        Path cache;

        @Option(names = "--jdk", paramLabel = "DIR",
                description = "A JDK 17 to run jlink from; it links the jmods of the lock's JDK package, so the result does "
                        + "not depend on which. Default: this JVM's.")
        Path jdk;

        Path jdkHome() {
            return jdk != null ? jdk : Path.of(System.getProperty("java.home"));
        }
    }

    /** {@code --out}, {@code --key} and {@code --source-date-epoch}. */
    static class Output {
        @Option(names = "--out", paramLabel = "DIR", required = true,
                description = "Where the image's files go (the description says which) and, with --key, its signed manifest.")
        Path out;

        @Option(names = "--key", paramLabel = "FILE",
                description = "The appliance's Ed25519 key (leo pxe manifest keygen): sign the manifest in OUT with it.")
        Path key;

        @Option(names = "--source-date-epoch", paramLabel = "SECONDS",
                description = "The time stamped on every file and on the manifest. Default: $SOURCE_DATE_EPOCH, else 0.")
        Long epoch;

        long sourceDateEpoch() {
            return epoch != null ? epoch : Long.parseLong(System.getenv().getOrDefault("SOURCE_DATE_EPOCH", "0"));
        }
    }
}
