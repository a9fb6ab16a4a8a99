package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.PxeConfig;
import org.leo.boot.net.MacAddress;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class ConfigFileDefaultsTest {
    @AfterEach
    void clear() {
        System.clearProperty(ConfigFileDefaults.PROPERTY);
    }

    @Test
    void optionsComeFromTheFileAndTheCommandLineWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pxe.properties");
        Files.writeString(file, String.join("\n",
                "address=10.77.0.1",
                "enroll=52:54:00:77:00:10=10.77.0.10 52:54:00:77:00:11=10.77.0.11,hpc-b",
                "dns=10.77.0.53,10.77.0.54",
                "tftp-port=6969",
                "lease-time=600"));
        System.setProperty(ConfigFileDefaults.PROPERTY, file.toString());
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs("--tftp-port", "7069");
        PxeConfig c = cmd.toConfig();
        assertThat(c.dhcp().orElseThrow().reservations()).containsOnlyKeys(
                MacAddress.parse("52:54:00:77:00:10"), MacAddress.parse("52:54:00:77:00:11"));
        assertThat(c.dhcp().orElseThrow().reservations().get(MacAddress.parse("52:54:00:77:00:11")).hostname()).contains("hpc-b");
        assertThat(c.dhcp().orElseThrow().dns()).hasSize(2);
        assertThat(c.dhcp().orElseThrow().leaseTime().toSeconds()).isEqualTo(600);
        assertThat(c.tftp().orElseThrow().port()).as("command line wins").isEqualTo(7069);
    }

    @Test
    void aNamedFileThatIsMissingIsAnError(@TempDir Path dir) {
        System.setProperty(ConfigFileDefaults.PROPERTY, dir.resolve("nope.properties").toString());
        assertThatThrownBy(() -> new CommandLine(new PxeServeCommand()))
                .hasStackTraceContaining("leo.pxe.config names " + dir.resolve("nope.properties") + ", which is not a readable file");
    }

    /** docs/pxe.properties.sample lists every option of `leo pxe serve` with its built-in default. */
    @Test
    void theSampleConfigListsEveryOptionWithItsDefault() throws Exception {
        String sample = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs", "pxe.properties.sample"));
        List<OptionSpec> options = new CommandLine(new PxeServeCommand()).getCommandSpec().options();
        for (OptionSpec o : options) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String key = o.longestName().replaceFirst("^--", "");
            Matcher m = Pattern.compile("(?m)^#" + Pattern.quote(key) + "=(.*)$").matcher(sample);
            assertThat(m.find()).as("sample lists %s", key).isTrue();
            assertThat(m.group(1)).as("sample default of %s", key).isEqualTo(o.defaultValue() == null ? "" : o.defaultValue());
        }
    }
}
