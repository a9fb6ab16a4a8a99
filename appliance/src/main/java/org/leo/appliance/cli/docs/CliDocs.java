package org.leo.appliance.cli.docs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.leo.appliance.cli.LeoMain;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code leo} command's manual pages and bash completion, generated from its picocli command tree
 * at build time (no hand-written copies to drift): {@code OUT/man1/leo.1.gz}, {@code leo-pxe.1.gz},
 * {@code leo-pxe-serve.1.gz}, ... (one per command, {@link ManPage}) and {@code OUT/completion/leo}
 * ({@link AutoComplete#bash}). The Debian package installs them (appliance/pom.xml, docs/packaging.md).
 *
 * <p>Runs without Quarkus ({@link LeoMain#newCommandLine()} falls back to plain objects). The output is
 * reproducible: the date is the build's output timestamp, the compiled-in option defaults are shown
 * (never the build host's {@code /etc/leo} config), and the gzip header carries no time or name.
 *
 * <p>Usage: {@code CliDocs OUT VERSION DATE}, e.g. {@code CliDocs target/cli-docs 0.1.0 2026-01-01}.
 */
public final class CliDocs {
    private CliDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: CliDocs OUT-DIR VERSION DATE(YYYY-MM-DD[...])");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        String date = args[2].length() >= 10 ? args[2].substring(0, 10) : args[2];
        List<Path> written = write(commandLine(), out, "leo " + args[1], date);
        System.out.println("CliDocs: wrote " + written.size() + " files under " + out);
    }

    /** The {@code leo} command tree with the compiled-in defaults (no config file's values). */
    public static CommandLine commandLine() {
        CommandLine cl = LeoMain.newCommandLine();
        cl.setDefaultValueProvider(null); // the whole tree: ${DEFAULT-VALUE} is the annotation's default
        return cl;
    }

    /** Every command of the tree, depth first, parents before their subcommands; hidden ones left out. */
    public static List<CommandSpec> commands(CommandLine root) {
        List<CommandSpec> all = new ArrayList<>();
        collect(root.getCommandSpec(), all);
        return all;
    }

    private static void collect(CommandSpec spec, List<CommandSpec> all) {
        all.add(spec);
        for (CommandLine child : ManPage.visibleSubcommands(spec)) {
            collect(child.getCommandSpec(), all);
        }
    }

    /** Writes the pages and the completion script under {@code out}; returns the files written. */
    public static List<Path> write(CommandLine root, Path out, String source, String date) throws IOException {
        Path man1 = Files.createDirectories(out.resolve("man1"));
        List<Path> written = new ArrayList<>();
        for (CommandSpec spec : commands(root)) {
            Path page = man1.resolve(ManPage.name(spec) + ".1.gz");
            writeGzip(page, ManPage.render(spec, source, date).getBytes(StandardCharsets.UTF_8));
            written.add(page);
        }
        Path completion = Files.createDirectories(out.resolve("completion")).resolve(root.getCommandName());
        Files.writeString(completion, AutoComplete.bash(root.getCommandName(), root), StandardCharsets.UTF_8);
        written.add(completion);
        return written;
    }

    /** gzip -9n: best compression, and no name or time in the header (Java writes neither). */
    private static void writeGzip(Path file, byte[] data) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
             GZIPOutputStream gz = new GZIPOutputStream(os) {
                 {
                     def.setLevel(Deflater.BEST_COMPRESSION);
                 }
             }) {
            gz.write(data);
        }
    }
}
