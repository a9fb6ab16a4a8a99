package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.PxeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** /etc/leo/leo.properties and its drop-ins: defaults for the commands that read it, and 'leo config check|show'. */
class LeoConfigFileTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(LeoConfigFile.PROPERTY);
    }

    private Path write(String name, String... lines) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    @Test
    void optionsComeFromTheFileAndTheCommandLineWins() throws Exception {
        Path file = write("leo.properties",
                "address=10.77.0.1",
                "enroll=52:54:00:77:00:10=10.77.0.10 52:54:00:77:00:11=10.77.0.11,hpc-b",
                "dns=10.77.0.53,10.77.0.54",
                "tftp-port=6969",
                "lease-time=600");
        System.setProperty(LeoConfigFile.PROPERTY, file.toString());
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
    void dropInsAreReadInLexicalOrderAfterTheMainFileAndTheLastWins() throws Exception {
        Path main = write("leo.properties", "address=10.77.0.1", "tftp-port=6969", "lease-time=600");
        write("leo.properties.d/20-late.properties", "tftp-port=7070");
        write("leo.properties.d/10-early.properties", "tftp-port=7069", "lease-time=700");
        write("leo.properties.d/README", "not=read");
        System.setProperty(LeoConfigFile.PROPERTY, main.toString());
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs("--serve-unknown", "--pool", "10.77.0.100-10.77.0.110");
        PxeConfig c = cmd.toConfig();
        assertThat(c.tftp().orElseThrow().port()).as("20-late after 10-early").isEqualTo(7070);
        assertThat(c.dhcp().orElseThrow().leaseTime().toSeconds()).as("a drop-in over the main file").isEqualTo(700);
        LeoConfigFile f = LeoConfigFile.read(main, true);
        assertThat(f.files()).containsExactly(main, dir.resolve("leo.properties.d/10-early.properties"),
                dir.resolve("leo.properties.d/20-late.properties"));
        assertThat(f.values().get("tftp-port").file()).isEqualTo(dir.resolve("leo.properties.d/20-late.properties"));
    }

    @Test
    void aDropInDirectoryWithoutAMainFileIsFine() throws Exception {
        write("leo.properties.d/10-site.properties", "address=10.77.0.1", "no-dhcp=true");
        System.setProperty(LeoConfigFile.PROPERTY, dir.resolve("leo.properties").toString());
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs();
        assertThat(cmd.toConfig().dhcp()).isEmpty();
    }

    @Test
    void anUnknownKeyIsRefusedWithItsFileAndADidYouMean() throws Exception {
        write("leo.properties", "address=10.77.0.1");
        Path site = write("leo.properties.d/10-site.properties", "interfce=eth1");
        System.setProperty(LeoConfigFile.PROPERTY, dir.resolve("leo.properties").toString());
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe", "serve", "--no-dhcp", "--address", "127.0.0.1");
        assertThat(run.err()).isEqualTo("leo pxe serve: " + site + ": unknown key 'interfce' (did you mean 'interface'?)\n"
                + "Try 'leo pxe serve --help' for more information.\n");
        assertThat(run.status()).isEqualTo(2);
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedWithItsFile() throws Exception {
        Path main = write("leo.properties", "address=10.77.0.1", "tftp-port=sixty-nine");
        System.setProperty(LeoConfigFile.PROPERTY, main.toString());
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe", "serve", "--no-dhcp");
        assertThat(run.err()).startsWith("leo pxe serve: " + main + ": tftp-port=sixty-nine: Invalid value for option '--tftp-port': "
                + "'sixty-nine' is not an int\n");
        assertThat(run.status()).isEqualTo(2);
    }

    @Test
    void helpAndVersionWorkWhateverTheFileSays() throws Exception {
        Path main = write("leo.properties", "interfce=eth1", "tftp-port=sixty-nine");
        System.setProperty(LeoConfigFile.PROPERTY, main.toString());
        AttestCommandTest.Run help = AttestCommandTest.leo("pxe", "serve", "--help");
        assertThat(help.status()).as(help.err()).isZero();
        assertThat(help.out()).contains("--tftp-port=PORT", "Default: 69.");
        assertThat(AttestCommandTest.leo("pxe", "serve", "--version").status()).isZero();
    }

    @Test
    void aNamedFileThatIsMissingIsAnError() {
        System.setProperty(LeoConfigFile.PROPERTY, dir.resolve("nope.properties").toString());
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe", "serve", "--no-dhcp", "--address", "127.0.0.1");
        assertThat(run.err()).startsWith("leo pxe serve: leo.config names " + dir.resolve("nope.properties") + ", which is not a readable file\n");
        assertThat(run.status()).isEqualTo(2);
    }

    @Test
    void configCheckSaysOkWithTheFilesAndKeys() throws Exception {
        Path main = write("leo.properties", "address=127.0.0.1", "no-dhcp=true");
        write("leo.properties.d/10-a.properties", "tftp-port=6969");
        write("leo.properties.d/20-b.properties", "http-port=8080");
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "check", "--file", main.toString());
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo("ok: " + main + " (+2 drop-ins), 4 keys\n");
        assertThat(run.status()).isZero();
    }

    @Test
    void configCheckListsEveryProblemOnALineAndExits1() throws Exception {
        Path main = write("leo.properties", "address=127.0.0.1", "no-dhcp=true", "tftp-port=sixty-nine", "interfce=eth1");
        Path site = write("leo.properties.d/10-site.properties", "lease-time=long", "zzz=1");
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "check", "--file", main.toString());
        assertThat(run.out().lines().toList()).containsExactly(
                main + ": unknown key 'interfce' (did you mean 'interface'?)",
                site + ": unknown key 'zzz'",
                site + ": lease-time=long: Invalid value for option '--lease-time': 'long' is not a long",
                main + ": tftp-port=sixty-nine: Invalid value for option '--tftp-port': 'sixty-nine' is not an int");
        assertThat(run.status()).isEqualTo(1);
    }

    @Test
    void configCheckRunsTheChecksOfTheOptionsTogether() throws Exception {
        Path main = write("leo.properties", "address=127.0.0.1", "proxy-dhcp=true", "no-dhcp=true");
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "check", "--file", main.toString());
        assertThat(run.out()).isEqualTo(main + ": --proxy-dhcp and --no-dhcp contradict each other\n");
        assertThat(run.status()).isEqualTo(1);
    }

    /**
     * The packaged service runs {@code leo serve}, which uses /dev/tpmrm0 or a swtpm of its own without --tpm: a fleet Pi's
     * file without --tpm passes the check where either is there (the check once refused it as {@code leo pxe serve} does,
     * so a provisioned fleet Pi without a TPM chip could not be configured at all).
     */
    @Test
    void configCheckCountsTheTpmLeoServeChoosesItself() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.leo.appliance.service.EmbeddedTpm.available(),
                "neither /dev/tpmrm0 nor swtpm here (scripts/install-deps installs swtpm)");
        Path peers = write("fleet-peers", "11".repeat(32) + " 127.0.0.1:7450 " + "aa".repeat(32));
        Path policy = write("policy.properties", "tpm.required=false");
        Path main = write("leo.properties", "address=127.0.0.1", "no-dhcp=true", "data-dir=" + dir.resolve("data"), "attest=true",
                "attest-policy=" + policy, "fleet=true", "fleet-peers=" + peers);
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "check", "--file", main.toString());
        assertThat(run.out()).isEqualTo("ok: " + main + ", 7 keys\n");
        assertThat(run.status()).isZero();

        write("leo.properties", "address=127.0.0.1", "no-dhcp=true", "fleet=true", "fleet-peers=" + peers);
        run = AttestCommandTest.leo("config", "check", "--file", main.toString());
        assertThat(run.out()).startsWith(main + ": --fleet needs --attest and --tpm");
        assertThat(run.status()).isEqualTo(1);
    }

    @Test
    void configCheckOfAMissingFileIsAUsageError() {
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "check", "--file", dir.resolve("nope.properties").toString());
        assertThat(run.err()).startsWith("leo config check: neither " + dir.resolve("nope.properties") + " nor ");
        assertThat(run.status()).isEqualTo(2);
    }

    @Test
    void configShowSaysWhereEachValueCameFrom() throws Exception {
        Path main = write("leo.properties", "address=127.0.0.1", "tftp-port=69");
        Path a = write("leo.properties.d/10-a.properties", "tftp-port=6969");
        AttestCommandTest.Run run = AttestCommandTest.leo("config", "show", "--file", main.toString());
        assertThat(run.out()).isEqualTo("# " + main + " (+1 drop-in)\n# " + main + "\naddress=127.0.0.1\n# " + a + "\ntftp-port=6969\n");
        run = AttestCommandTest.leo("config", "show", "--file", main.toString(), "--json");
        assertThat(run.out()).contains("\"key\" : \"tftp-port\"", "\"value\" : \"6969\"", "\"file\" : \"" + a + "\"");
        assertThat(run.status()).isZero();
    }

    /** docs/leo.properties.sample lists every option of every command that reads the file, with its built-in default. */
    @Test
    void theSampleConfigListsEveryOptionWithItsDefault() throws Exception {
        String sample = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs", "leo.properties.sample"));
        for (Class<?> reader : LeoConfigFile.READERS) {
            List<OptionSpec> options = CommandLine.Model.CommandSpec.forAnnotatedObject(reader).options();
            for (OptionSpec o : options) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String key = LeoConfigFile.key(o);
                Matcher m = Pattern.compile("(?m)^#" + Pattern.quote(key) + "=(.*)$").matcher(sample);
                assertThat(m.find()).as("sample lists %s", key).isTrue();
                assertThat(m.group(1)).as("sample default of %s", key).isEqualTo(o.defaultValue() == null ? "" : o.defaultValue());
            }
        }
        assertThat(LeoConfigFile.knownKeys()).contains("interface", "fleet-task-timeout", "attest-policy");
    }
}
