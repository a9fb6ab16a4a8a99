package org.leo.appliance.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from a properties file: {@code /etc/leo/pxe.properties}, or the file named by
 * {@code LEO_PXE_CONFIG}. Keys are long option names without the dashes ({@code interface=eth1});
 * a repeatable option takes a list ({@code enroll} space-separated, {@code dns} comma-separated).
 * The command line always wins.
 */
public class ConfigFileDefaults implements IDefaultValueProvider {
    static final String ENV = "LEO_PXE_CONFIG";
    /** The same as {@link #ENV}, for tests and JVM options; wins over the environment. */
    static final String PROPERTY = "leo.pxe.config";
    static final Path DEFAULT_FILE = Path.of("/etc/leo/pxe.properties");

    private final Properties properties = new Properties();

    public ConfigFileDefaults() throws IOException {
        String named = System.getProperty(PROPERTY);
        String source = PROPERTY;
        if (named == null) {
            named = System.getenv(ENV);
            source = ENV;
        }
        String env = named;
        Path file = env != null && !env.isBlank() ? Path.of(env) : DEFAULT_FILE;
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                properties.load(r);
            }
        } else if (env != null && !env.isBlank()) {
            throw new IOException(source + " names " + file + ", which is not a readable file");
        }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec option) {
            String key = option.longestName().replaceFirst("^--", "");
            String value = properties.getProperty(key);
            if (value != null) {
                return value.trim();
            }
        }
        return arg.defaultValue();
    }
}
