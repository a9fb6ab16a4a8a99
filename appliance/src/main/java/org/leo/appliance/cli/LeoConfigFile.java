package org.leo.appliance.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * The appliance's one configuration: option defaults from {@code /etc/leo/leo.properties} and then from
 * the drop-ins {@code /etc/leo/leo.properties.d/*.properties} in lexical order (a later file wins; a
 * drop-in directory without a main file is fine). {@code LEO_CONFIG}, or the system property
 * {@code leo.config} (which wins), names another main file; its drop-ins are then in {@code FILE.d}.
 *
 * <p>Keys are long option names without the dashes ({@code interface=eth1}); a repeatable option takes a
 * list ({@code enroll} space-separated, {@code dns} comma-separated). The command line always wins. A
 * key that is an option of none of the {@link #READERS} is refused with its file and a did-you-mean;
 * a key of any of them is accepted by all, so one file serves them all.
 *
 * <p>The files are read on the first default picocli asks for, not when the command is built: building
 * the command tree does no I/O and {@code leo config check --file} can check another file. Problems
 * ({@link #problems()}) do not fail the parse, so {@code --help} and {@code --version} still work;
 * {@link CliConventions} refuses to run the command instead.
 */
public class LeoConfigFile implements IDefaultValueProvider {
    static final String ENV = "LEO_CONFIG";
    /** The same as {@link #ENV}, for tests and JVM options; wins over the environment. */
    static final String PROPERTY = "leo.config";
    static final Path DEFAULT_FILE = Path.of("/etc/leo/leo.properties");
    /** The commands that read the file (and the gateway's options): their long options are its keys. */
    static final List<Class<?>> READERS = List.of(PxeServeCommand.class, ServeCommand.class, GatewaySettings.class);

    /** One {@code key=value} line and the file it is in. */
    record Value(String key, String value, Path file) { }

    private final Path main;
    private final List<Path> files = new ArrayList<>();
    /** Every line of every file, in reading order (an overridden line too: its key must be known as well). */
    private final List<Value> lines = new ArrayList<>();
    private boolean loaded;
    /** {@link #problems()}, once computed. */
    private List<String> problems;
    /** The keys whose value does not parse for their option: not used as defaults. */
    private final Set<String> unparsed = new HashSet<>();

    /** The file named by {@link #PROPERTY} or {@link #ENV}, else {@link #DEFAULT_FILE}; read when first asked. */
    public LeoConfigFile() {
        this.main = null;
    }

    private LeoConfigFile(Path main) {
        this.main = main;
    }

    /**
     * Reads {@code main} and its drop-ins now. With {@code mustExist}, a missing main file is an error unless
     * its drop-in directory exists; without, no files at all is an empty configuration.
     */
    static LeoConfigFile read(Path main, boolean mustExist) throws IOException {
        LeoConfigFile f = new LeoConfigFile(main);
        f.load(main, mustExist);
        return f;
    }

    /** Whether {@link #PROPERTY} or {@link #ENV} names the main file (which must then exist). */
    static boolean isNamed() {
        return named().isPresent();
    }

    /** The main file this process uses: {@link #PROPERTY}, else {@link #ENV}, else {@link #DEFAULT_FILE}. */
    static Path mainFile() {
        return named().map(n -> Path.of(n.getValue())).orElse(DEFAULT_FILE);
    }

    private static Optional<Map.Entry<String, String>> named() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) {
            return Optional.of(Map.entry(PROPERTY, p));
        }
        String e = System.getenv(ENV);
        return e != null && !e.isBlank() ? Optional.of(Map.entry(ENV, e)) : Optional.empty();
    }

    static Path dropInDirectory(Path main) {
        return main.resolveSibling(main.getFileName() + ".d");
    }

    private void load(Path file, boolean mustExist) throws IOException {
        Path dir = dropInDirectory(file);
        if (Files.isRegularFile(file)) {
            read1(file);
        } else if (Files.exists(file)) {
            throw new IOException(file + " is not a regular file");
        } else if (mustExist && !Files.isDirectory(dir)) {
            throw new IOException("neither " + file + " nor " + dir + " exists");
        }
        if (Files.isDirectory(dir)) {
            List<Path> dropIns;
            try (Stream<Path> s = Files.list(dir)) {
                dropIns = s.filter(p -> p.getFileName().toString().endsWith(".properties") && Files.isRegularFile(p))
                        .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
            }
            for (Path p : dropIns) {
                read1(p);
            }
        }
        loaded = true;
    }

    private void read1(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        files.add(file);
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            lines.add(new Value(key, p.getProperty(key).trim(), file));
        }
    }

    /** The main file (read or not). */
    Path main() {
        return main;
    }

    /** The files read, the main file first if it exists. */
    List<Path> files() {
        return Collections.unmodifiableList(files);
    }

    /** The effective values by key: the last file that sets a key wins. */
    Map<String, Value> values() {
        Map<String, Value> out = new TreeMap<>();
        for (Value v : lines) {
            out.put(v.key(), v);
        }
        return out;
    }

    /** One line per key that no reader has: {@code FILE: unknown key 'k' (did you mean 'key'?)}. */
    List<String> unknownKeys() {
        Set<String> known = knownKeys();
        List<String> out = new ArrayList<>();
        for (Value v : lines) {
            if (!known.contains(v.key())) {
                out.add(v.file() + ": unknown key '" + v.key() + "'" + DidYouMean.of(v.key(), known).map(k -> " (did you mean '" + k + "'?)").orElse(""));
            }
        }
        return out;
    }

    /** The keys of the file: the long options, without dashes, of every {@link #READERS reader}. */
    static Set<String> knownKeys() {
        return KnownKeys.KEYS;
    }

    /** The option's key in the file: its longest name without the dashes. */
    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^--?", "");
    }

    private static final class KnownKeys {
        static final Set<String> KEYS = compute();

        private static Set<String> compute() {
            Set<String> keys = new TreeSet<>();
            for (Class<?> reader : READERS) {
                for (OptionSpec o : CommandSpec.forAnnotatedObject(reader).options()) {
                    if (!o.usageHelp() && !o.versionHelp()) {
                        keys.add(key(o));
                    }
                }
            }
            return Collections.unmodifiableSet(keys);
        }
    }

    /**
     * What is wrong with the files, one line each: a file that cannot be read; else every unknown key, then every
     * value that does not parse for its option ({@code FILE: key=value: picocli's message}). Empty when all is well.
     * {@link CliConventions} refuses to run a command whose configuration has problems (exit 2); help and version
     * still work, and a value that does not parse is not used as a default meanwhile.
     */
    List<String> problems() {
        ensureLoaded();
        if (problems == null) {
            Set<String> out = new LinkedHashSet<>(unknownKeys());
            Map<String, Value> values = values();
            for (Class<?> reader : READERS) {
                Value[] current = new Value[1];
                CommandLine cl = new CommandLine(newInstance(reader));
                cl.setDefaultValueProvider(arg -> arg instanceof OptionSpec o && current[0] != null && key(o).equals(current[0].key())
                        ? current[0].value() : arg.defaultValue());
                for (OptionSpec o : cl.getCommandSpec().options()) {
                    current[0] = values.get(key(o));
                    if (current[0] == null || o.usageHelp() || o.versionHelp()) {
                        continue;
                    }
                    try {
                        cl.parseArgs();
                    } catch (ParameterException e) {
                        out.add(current[0].file() + ": " + current[0].key() + "=" + current[0].value() + ": " + e.getMessage());
                        unparsed.add(current[0].key());
                    }
                }
            }
            problems = List.copyOf(out);
        }
        return problems;
    }

    static Object newInstance(Class<?> reader) {
        try {
            return CommandLine.defaultFactory().create(reader);
        } catch (Exception e) {
            throw new IllegalStateException(reader + ": " + e.getMessage(), e);
        }
    }

    /** Loads the files this process uses, once; a file that cannot be read is kept as the one problem. */
    private void ensureLoaded() {
        if (loaded) {
            return;
        }
        try {
            Optional<Map.Entry<String, String>> n = named();
            if (main == null && n.isPresent() && !Files.exists(Path.of(n.get().getValue()))
                    && !Files.isDirectory(dropInDirectory(Path.of(n.get().getValue())))) {
                throw new IOException(n.get().getKey() + " names " + n.get().getValue() + ", which is not a readable file");
            }
            load(main != null ? main : mainFile(), false);
        } catch (IOException e) {
            loaded = true;
            problems = List.of(e.getMessage());
        }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (arg instanceof OptionSpec option) {
            problems(); // loads the files and finds the values that do not parse
            Value v = values().get(key(option));
            if (v != null && !unparsed.contains(v.key())) {
                return v.value();
            }
        }
        return arg.defaultValue();
    }
}
