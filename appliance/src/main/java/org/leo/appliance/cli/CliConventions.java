package org.leo.appliance.cli;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What every {@code leo} command has in common, applied once to the whole tree ({@link LeoMain#newCommandLine()})
 * rather than repeated in some 50 annotations: {@code -h/--help} and {@code -V/--version}; the exit status table
 * {@link #EXIT_CODES} in the help of every command that does not list its own (those that do use the same
 * meanings); a command whose configuration file has a problem does not run; and one-line errors: an exception prints {@code leo CMD: message} and exits 1 (with the stack trace
 * only under {@code LEO_DEBUG=1}); invalid options print {@code leo CMD: message} and a pointer to {@code --help},
 * and exit 2.
 */
final class CliConventions {
    /** The exit status of every command: commands that list their own refine these meanings, never change them. */
    static final Map<String, String> EXIT_CODES = exitCodes();
    static final String EXIT_CODE_HEADING = "%nExit status:%n";
    /** {@code LEO_DEBUG=1} in the environment (or {@code -Dleo.debug=1}) prints the stack trace of an error too. */
    static final String DEBUG_ENV = "LEO_DEBUG";

    private CliConventions() {
    }

    private static Map<String, String> exitCodes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("0", "ok");
        m.put("1", "a check failed, or the operation failed (the message says why)");
        m.put("2", "invalid options or arguments, or input that cannot be used (the message says which)");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Applies the conventions to {@code root} and every command below it; returns {@code root}. */
    static CommandLine apply(CommandLine root) {
        applyToTree(root);
        root.setExecutionExceptionHandler(ONE_LINE_ERROR);
        root.setParameterExceptionHandler(USAGE_ERROR);
        root.setExecutionStrategy(CHECK_CONFIGURATION_THEN_RUN);
        return root;
    }

    private static void applyToTree(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        spec.mixinStandardHelpOptions(true);
        if (spec.versionProvider() == null) {
            spec.versionProvider(new VersionProvider());
        }
        if (spec.usageMessage().exitCodeList().isEmpty()) {
            spec.usageMessage().exitCodeListHeading(EXIT_CODE_HEADING).exitCodeList(EXIT_CODES);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            applyToTree(sub);
        }
    }

    /**
     * Runs the command picocli parsed (as {@link CommandLine.RunLast}) unless its configuration file ({@link LeoConfigFile})
     * has a problem, which is then a usage error (exit 2) naming the file. Help and version requests are answered first,
     * so they work whatever the file says.
     */
    static final IExecutionStrategy CHECK_CONFIGURATION_THEN_RUN = parseResult -> {
        Integer help = CommandLine.executeHelpRequest(parseResult);
        if (help != null) {
            return help;
        }
        for (CommandLine cl : parseResult.asCommandLineList()) {
            if (cl.getCommandSpec().defaultValueProvider() instanceof LeoConfigFile config && !config.problems().isEmpty()) {
                List<String> problems = config.problems();
                throw new ParameterException(cl, problems.get(0)
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more: 'leo config check' lists them)" : ""));
            }
        }
        return new CommandLine.RunLast().execute(parseResult);
    };

    static final IExecutionExceptionHandler ONE_LINE_ERROR = (ex, cl, parseResult) -> {
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + message(ex));
        if (debug()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    };

    static final IParameterExceptionHandler USAGE_ERROR = (ex, args) -> {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String name = cl.getCommandSpec().qualifiedName();
        err.println(name + ": " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + name + " --help' for more information.");
        if (debug()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return cl.getExitCodeExceptionMapper() != null ? cl.getExitCodeExceptionMapper().getExitCode(ex) : cl.getCommandSpec().exitCodeOnInvalidInput();
    };

    /** The root cause's message, saying what kind of error it is where the message alone would not. */
    static String message(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        if (root instanceof NoSuchFileException) {
            return "no such file: " + m;
        }
        if (root instanceof AccessDeniedException) {
            return "permission denied: " + m;
        }
        return m == null || m.isBlank() ? root.getClass().getSimpleName() : m;
    }

    private static boolean debug() {
        return "1".equals(System.getenv(DEBUG_ENV)) || "1".equals(System.getProperty("leo.debug"));
    }
}
