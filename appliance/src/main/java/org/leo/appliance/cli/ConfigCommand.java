package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo config check|show}: the appliance's configuration file ({@link LeoConfigFile}) without starting anything. */
@Command(name = "config",
        mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class},
        description = {
            "The appliance's configuration: /etc/leo/leo.properties, then /etc/leo/leo.properties.d/*.properties in "
                + "lexical order (a later file wins). LEO_CONFIG (or -Dleo.config) names another main file; its drop-ins "
                + "are then in FILE.d. Keys are the long options of 'leo pxe serve' without the dashes; the command line "
                + "wins over the files. docs/leo.properties.sample lists every key with its default."})
public class ConfigCommand {
    /** {@code --file}: the main file to read instead of the one the appliance uses. */
    static class FileOption {
        @Option(names = "--file", paramLabel = "FILE",
                description = "The main file (its drop-ins are in FILE.d). Default: the file named by LEO_CONFIG, else /etc/leo/leo.properties.")
        Path file;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /** Reads the files; a main file that was named (--file, LEO_CONFIG) must exist, the default one need not. */
        LeoConfigFile read() {
            try {
                return file != null ? LeoConfigFile.read(file, true) : LeoConfigFile.read(LeoConfigFile.mainFile(), LeoConfigFile.isNamed());
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    /** {@code /etc/leo/leo.properties (+2 drop-ins)}. */
    static String describe(LeoConfigFile f) {
        int dropIns = (int) f.files().stream().filter(p -> !p.equals(f.main())).count();
        return f.main() + (f.files().contains(f.main()) ? "" : " (absent)") + (dropIns > 0 ? " (+" + dropIns + " drop-in" + (dropIns > 1 ? "s" : "") + ")" : "");
    }

    @Command(name = "check",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Check the configuration files without starting anything.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Reads the main file and its drop-ins and checks, in order: that every key is an option of a command that "
                    + "reads the file (with a did-you-mean for a typo); that every value parses for its option's type; "
                    + "and then the checks 'leo serve' (the service; 'leo pxe serve' and the operator's port) makes of its "
                    + "options together before it opens a port (e.g. --proxy-dhcp with --no-dhcp, an --interface that does "
                    + "not exist, an unreadable --attest-policy). Without --tpm, leo serve uses /dev/tpmrm0 or a swtpm of its "
                    + "own, so --attest and --fleet pass without it where either is there ('leo pxe serve' needs --tpm given). "
                    + "Prints 'ok: FILE (+N drop-ins), K keys', or one line per problem."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the configuration is valid", "1:a problem was found (one line each)",
                "2:invalid options, or a named file cannot be read"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo config check", "  leo config check --file /tmp/leo.properties"})
    static class Check implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FileOption file;

        @Override
        public Integer call() {
            LeoConfigFile config = file.read();
            List<String> problems = problems(config);
            if (problems.isEmpty()) {
                System.out.println("ok: " + describe(config) + ", " + config.values().size() + " key" + (config.values().size() == 1 ? "" : "s"));
                return 0;
            }
            problems.forEach(System.out::println);
            return 1;
        }

        /** Unknown keys; then values that do not parse; then, if all parse, what the readers refuse of the options together. */
        static List<String> problems(LeoConfigFile config) {
            Set<String> problems = new LinkedHashSet<>(config.problems());
            if (!problems.isEmpty()) {
                return new ArrayList<>(problems);
            }
            for (Class<?> reader : LeoConfigFile.READERS) {
                Object command = LeoConfigFile.newInstance(reader);
                CommandLine cl = new CommandLine(command);
                cl.setDefaultValueProvider(config);
                try {
                    cl.parseArgs();
                    if (command instanceof ServeCommand serve) { // leo pxe serve's checks and its own: the packaged service's
                        serve.assumeEmbeddedTpm();
                        serve.toConfig();
                    }
                } catch (ParameterException | IllegalArgumentException e) {
                    problems.add(describe(config) + ": " + e.getMessage());
                }
            }
            return new ArrayList<>(problems);
        }
    }

    /** A key, its effective value and the file it came from (the {@code --json} shape). */
    record Entry(String key, String value, String file) { }

    /** The {@code --json} document of {@code leo config show}. */
    record Effective(String main, List<String> files, List<Entry> values) { }

    @Command(name = "show",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Print the effective configuration: every key, its value and the file it came from.",
            descriptionHeading = "%nDescription:%n",
            description = {
                "Prints the files read, in order, then the effective 'key=value' lines grouped under a '# FILE' comment "
                    + "naming the file each value came from (the last file that sets a key). The keys are not checked: "
                    + "'leo config check' does that. With --json: {main, files, values: [{key, value, file}]}."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:printed", "2:invalid options, or a named file cannot be read"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo config show", "  leo config show --json"})
    static class Show implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FileOption file;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        @Override
        public Integer call() {
            LeoConfigFile config = file.read();
            List<Entry> entries = config.values().values().stream()
                    .map(v -> new Entry(v.key(), v.value(), v.file().toString())).toList();
            if (output.json) {
                Json.print(new Effective(config.main().toString(), config.files().stream().map(Path::toString).toList(), entries));
                return 0;
            }
            System.out.println("# " + describe(config));
            for (Path f : config.files()) {
                List<Entry> from = entries.stream().filter(e -> e.file().equals(f.toString())).toList();
                if (!from.isEmpty()) {
                    System.out.println("# " + f);
                    from.forEach(e -> System.out.println(e.key() + "=" + e.value()));
                }
            }
            return 0;
        }
    }
}
