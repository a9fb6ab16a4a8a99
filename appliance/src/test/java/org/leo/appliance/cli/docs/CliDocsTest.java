package org.leo.appliance.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The build's man pages and completion ({@link CliDocs}): a page for every command of the tree as picocli
 * walks it, the sections a man page has, compiled-in defaults, and pages that groff formats without a
 * warning but for lines it cannot break (hex keys in the examples are longer than a terminal line); groff-base
 * is on every Debian, and man-db renders with it.
 */
class CliDocsTest {
    @TempDir
    Path out;

    /** Every command of the tree, walked with picocli's own {@code getSubcommands()}, hidden ones left out. */
    private static List<String> everyCommand(CommandLine cl, List<String> names) {
        if (!cl.getCommandSpec().usageMessage().hidden()) {
            names.add(cl.getCommandSpec().qualifiedName("-"));
            for (CommandLine sub : cl.getSubcommands().values()) {
                everyCommand(sub, names);
            }
        }
        return names;
    }

    private Path generate() throws IOException {
        CliDocs.write(CliDocs.commandLine(), out, "leo 9.9.9", "2026-01-01");
        return out.resolve("man1");
    }

    private static String page(Path man1, String name) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(man1.resolve(name + ".1.gz")))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyCommandInTheTreeHasItsPageAndNothingElseIsWritten() throws IOException {
        Path man1 = generate();
        List<String> expected = everyCommand(CliDocs.commandLine(), new ArrayList<>()).stream().distinct().map(n -> n + ".1.gz").toList();
        List<String> written;
        try (Stream<Path> files = Files.list(man1)) {
            written = files.map(p -> p.getFileName().toString()).toList();
        }
        assertThat(expected).contains("leo.1.gz", "leo-pxe.1.gz", "leo-pxe-serve.1.gz", "leo-attest-log-verify.1.gz").hasSizeGreaterThan(30);
        assertThat(written).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void leoPageHasTheManSectionsAndLinksItsCommands() throws IOException {
        String leo = page(generate(), "leo");
        assertThat(leo).startsWith(".TH \"LEO\" 1 \"2026\\-01\\-01\" \"leo 9.9.9\" \"Leo Manual\"\n")
                .contains(".SH \"NAME\"\nleo \\- The Leo trusted\\-compute appliance\n")
                .contains(".SH \"SYNOPSIS\"\n.B leo\n", ".SH \"DESCRIPTION\"", ".SH \"OPTIONS\"", ".SH \"COMMANDS\"", ".SH \"SEE ALSO\"")
                .contains("\\fB\\-V\\fR, \\fB\\-\\-version\\fR\n")
                .contains("\\fBleo\\-pxe\\fR(1)");
        assertThat(leo.indexOf(".SH \"NAME\"")).isLessThan(leo.indexOf(".SH \"SYNOPSIS\""));
        assertThat(leo.indexOf(".SH \"SYNOPSIS\"")).isLessThan(leo.indexOf(".SH \"DESCRIPTION\""));
        assertThat(leo.indexOf(".SH \"DESCRIPTION\"")).isLessThan(leo.indexOf(".SH \"OPTIONS\""));
    }

    @Test
    void subcommandPageShowsCompiledDefaultsExitStatusAndItsParent() throws IOException {
        String serve = page(generate(), "leo-pxe-serve");
        assertThat(serve).contains(".SH \"NAME\"\nleo\\-pxe\\-serve \\- Serve the measured HPC boot image over DHCP, TFTP and HTTP until stopped\n")
                .contains(".B leo pxe serve\n")
                .contains("\\fB\\-\\-boot\\-root\\fR=\\fIDIR\\fR\n", "Default: /var/lib/leo/boot.")
                .contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nstopped by a signal (SIGTERM, SIGINT)\n")
                .contains("\\fBleo\\-pxe\\fR(1)")
                .doesNotContain("${DEFAULT-VALUE}", "%n");
    }

    @Test
    void flashPageReadsLikeAManPage() throws IOException {
        String flash = page(generate(), "leo-flash");
        assertThat(flash).contains(".SH \"NAME\"\nleo\\-flash \\- Write a signed appliance image to an SD card or disk, then read it back")
                .contains(".B leo flash\n", "\\fB\\-\\-device\\fR=\\fIDEVICE\\fR\n", "\\fB\\-\\-verify\\-only\\fR\n")
                .contains(".SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nverified", ".TP\n\\fB2\\fR\nrefused, nothing was written: ")
                .contains(".SH \"EXAMPLES\"", "O_DIRECT", "\\fBleo\\fR(1)");
    }

    @Test
    void escapeKeepsRoffFromReadingTextAsRequests() {
        assertThat(ManPage.escape(".hidden request")).isEqualTo("\\&.hidden request");
        assertThat(ManPage.escape("'quoted")).isEqualTo("\\&'quoted");
        assertThat(ManPage.escape("a\\b --x")).isEqualTo("a\\eb \\-\\-x");
    }

    @Test
    void groffFormatsEveryPageWithoutAWarning() throws Exception {
        Path man1 = generate();
        List<String> complaints = new ArrayList<>();
        try (Stream<Path> files = Files.list(man1)) {
            for (Path gz : files.sorted().toList()) {
                String name = gz.getFileName().toString().replace(".1.gz", "");
                Path roff = out.resolve(name + ".1");
                Files.writeString(roff, page(man1, name));
                Process p = new ProcessBuilder("groff", "-man", "-Tutf8", "-ww", "-Wbreak", "-z", roff.toString()).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                if (p.exitValue() != 0 || !said.isBlank()) {
                    complaints.add(name + " (exit " + p.exitValue() + "): " + said);
                }
            }
        }
        assertThat(complaints).isEmpty();
    }

    @Test
    void bashCompletionCompletesTheSubcommands() throws IOException {
        generate();
        String completion = Files.readString(out.resolve("completion/leo"));
        assertThat(completion).contains("complete -F _complete_leo", "pxe", "attest", "capsule");
    }
}
