package org.leo.appliance.cli.docs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * One command's manual page in roff (man(7) macros), written from its picocli model: the same text as
 * {@code --help}, so the page cannot drift from the command. Sections: NAME (the header, or the
 * description's first sentence), SYNOPSIS (picocli's, unwrapped: man fills it), DESCRIPTION, OPTIONS,
 * ARGUMENTS, COMMANDS, EXIT STATUS, the footer under its own heading, and SEE ALSO (the parent and
 * the subcommands' pages). Hidden options and commands are left out, as {@code --help} leaves them out.
 *
 * <p>Defaults are the compiled-in ones ({@code ${DEFAULT-VALUE}}), never the build host's config file:
 * the caller clears the default value provider ({@link CliDocs}).
 */
public final class ManPage {
    /** Wide enough that picocli never wraps the synopsis: man(1) fills it to the reader's terminal. */
    private static final int UNWRAPPED = 10_000;

    private final CommandSpec spec;
    private final StringBuilder out = new StringBuilder();

    private ManPage(CommandSpec spec) {
        this.spec = spec;
    }

    /** The page's file name without the section suffix: {@code leo}, {@code leo-pxe-serve}. */
    public static String name(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /**
     * The page of {@code spec} in section 1.
     *
     * @param source the footer's middle field (e.g. {@code leo 0.1.0})
     * @param date   the footer's date, {@code YYYY-MM-DD}: the build's output timestamp, so builds are reproducible
     */
    public static String render(CommandSpec spec, String source, String date) {
        return new ManPage(spec).write(source, date);
    }

    private String write(String source, String date) {
        UsageMessageSpec usage = spec.usageMessage();
        line(".TH " + quote(name(spec).toUpperCase(Locale.ROOT)) + " 1 " + quote(date) + " " + quote(source) + " " + quote("Leo Manual"));
        // No hyphenation (it would split option names), ragged right (hex keys and long options cannot be justified).
        line(".nh");
        line(".ad l");
        section("NAME");
        line(escape(name(spec)) + " \\- " + escape(summary()));
        section("SYNOPSIS");
        synopsis();
        String[] description = usage.description();
        if (description.length > 0) {
            section("DESCRIPTION");
            paragraphs(description, ".PP");
        }
        arguments("OPTIONS", spec.options());
        arguments("ARGUMENTS", spec.positionalParameters());
        subcommands();
        exitStatus(usage.exitCodeList());
        String footerHeading = heading(usage.footerHeading());
        boolean footerIsSeeAlso = footerHeading.equals("SEE ALSO");
        if (usage.footer().length > 0 && !footerIsSeeAlso) {
            section(footerHeading.isEmpty() ? "NOTES" : footerHeading);
            paragraphs(usage.footer(), ".PP");
        }
        seeAlso(footerIsSeeAlso ? usage.footer() : new String[0]);
        return out.toString();
    }

    /** NAME's one line: the header, else the description's first sentence, without its full stop. */
    private String summary() {
        String[] header = spec.usageMessage().header();
        String text = header.length > 0 ? text(header[0]) : spec.usageMessage().description().length > 0
                ? text(spec.usageMessage().description()[0]) : "";
        int stop = text.indexOf(". ");
        if (header.length == 0 && stop > 0) {
            text = text.substring(0, stop);
        }
        return text.strip().replaceFirst("\\.$", "");
    }

    private void synopsis() {
        int width = spec.usageMessage().width();
        boolean autoWidth = spec.usageMessage().autoWidth();
        spec.usageMessage().autoWidth(false).width(UNWRAPPED);
        try {
            String synopsis = new Help(spec, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0).strip();
            String command = spec.qualifiedName(" ");
            String rest = synopsis.startsWith(command) ? synopsis.substring(command.length()).strip() : synopsis;
            line(".B " + escape(command));
            if (!rest.isEmpty()) {
                line(escape(rest));
            }
        } finally {
            spec.usageMessage().width(width).autoWidth(autoWidth);
        }
    }

    /** OPTIONS or ARGUMENTS: each shown one as a tagged paragraph, its names (or label) then its description. */
    private void arguments(String section, List<? extends ArgSpec> args) {
        List<? extends ArgSpec> shown = args.stream().filter(a -> !a.hidden()).toList();
        if (shown.isEmpty()) {
            return;
        }
        section(section);
        for (ArgSpec a : shown) {
            line(".TP");
            line(term(a));
            paragraphs(a.description(), ".IP");
        }
    }

    /** {@code \fB-o\fR, \fB--out\fR=\fIFILE\fR} for an option, {@code \fIFILE\fR...} for a positional. */
    private static String term(ArgSpec a) {
        String label = "\\fI" + escape(a.paramLabel()) + "\\fR" + (a.isMultiValue() ? "..." : "");
        if (a instanceof OptionSpec o) {
            List<String> names = new ArrayList<>();
            for (String n : o.names()) {
                names.add("\\fB" + escape(n) + "\\fR");
            }
            return String.join(", ", names) + (o.arity().max() > 0 ? "=" + label : "");
        }
        return label;
    }

    private void subcommands() {
        Set<CommandLine> children = visibleSubcommands(spec);
        if (children.isEmpty()) {
            return;
        }
        section("COMMANDS");
        for (CommandLine child : children) {
            CommandSpec c = child.getCommandSpec();
            line(".TP");
            line("\\fB" + escape(c.name()) + "\\fR");
            line(escape(new ManPage(c).summary()) + ". See \\fB" + escape(name(c)) + "\\fR(1).");
        }
    }

    private void exitStatus(Map<String, String> codes) {
        if (codes.isEmpty()) {
            return;
        }
        section("EXIT STATUS");
        for (Map.Entry<String, String> e : codes.entrySet()) {
            line(".TP");
            line("\\fB" + escape(text(e.getKey()).strip()) + "\\fR");
            line(escape(text(e.getValue()).strip()));
        }
    }

    private void seeAlso(String[] footer) {
        List<String> pages = new ArrayList<>();
        if (spec.parent() != null) {
            pages.add("\\fB" + escape(name(spec.parent())) + "\\fR(1)");
        }
        for (CommandLine child : visibleSubcommands(spec)) {
            pages.add("\\fB" + escape(name(child.getCommandSpec())) + "\\fR(1)");
        }
        if (footer.length == 0 && pages.isEmpty()) {
            return;
        }
        section("SEE ALSO");
        if (footer.length > 0) {
            paragraphs(footer, ".PP");
            if (!pages.isEmpty()) {
                line(".PP");
            }
        }
        if (!pages.isEmpty()) {
            line(String.join(",\n", pages));
        }
    }

    /** The subcommands {@code --help} lists, each once (an alias maps to the same command line). */
    static Set<CommandLine> visibleSubcommands(CommandSpec spec) {
        Set<CommandLine> children = new LinkedHashSet<>();
        for (CommandLine c : spec.subcommands().values()) {
            if (!c.getCommandSpec().usageMessage().hidden()) {
                children.add(c);
            }
        }
        return children;
    }

    /**
     * Text lines as picocli prints them, in fill mode: consecutive lines run into one paragraph (a long
     * description is one array element per paragraph, a short one may be split over several), an empty
     * line starts a new paragraph with {@code breakMacro}, and lines that start with a space keep their
     * layout, unfilled, as the footers' command tables and the examples need.
     */
    private void paragraphs(String[] lines, String breakMacro) {
        boolean verbatim = false;
        for (String raw : lines) {
            for (String l : text(raw).split("\n", -1)) {
                boolean indented = !l.isBlank() && Character.isWhitespace(l.charAt(0));
                if (indented != verbatim) {
                    line(indented ? ".nf" : ".fi");
                    verbatim = indented;
                }
                line(l.isBlank() ? breakMacro : escape(l.stripTrailing()));
            }
        }
        if (verbatim) {
            line(".fi");
        }
    }

    private void section(String name) {
        line(".SH " + quote(name));
    }

    private void line(String s) {
        out.append(s).append('\n');
    }

    /** An usage heading ({@code "%nSee also:%n"}) as a section name: {@code SEE ALSO}. */
    private static String heading(String usageHeading) {
        return text(usageHeading).strip().replaceFirst(":$", "").toUpperCase(Locale.ROOT);
    }

    /** picocli's format directives in usage text, as {@code --help} prints them: {@code %n} and {@code %%}. */
    static String text(String s) {
        return s.replace("%n", "\n").replace("%%", "%");
    }

    /**
     * Text for a roff line: the escape character itself ({@code \e}), hyphen-minus (so options copy and
     * search as typed), and a control character ({@code .} or {@code '}) at the start of a line, which roff
     * would read as a request.
     */
    static String escape(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        e = e.replace("\n.", "\n\\&.").replace("\n'", "\n\\&'");
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }

    private static String quote(String s) {
        return "\"" + escape(s).replace("\"", "\\(dq") + "\"";
    }
}
