package org.leo.appliance.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.leo.appliance.service.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code leo user}: the operator users of the dashboard and API. */
@Command(name = "user",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        header = "Manage the dashboard's and API's users: add, remove, list.",
        description = {
            "Users log in to the dashboard (and scripts to /api with HTTP basic). A user has the role 'viewer' (sees "
                + "everything) or 'operator' (also acts: power-cycle, quarantine). The file keeps a salted "
                + "PBKDF2-SHA256 hash of each password, never the password; 'leo serve' reads it again when it changes, "
                + "so a removed user is logged out at their next request."},
        subcommands = {UserCommand.Add.class, UserCommand.Remove.class, UserCommand.ListUsers.class})
public class UserCommand {
    static final String DEFAULT_FILE = "/etc/leo/users";

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            header = "Add a user, or set an existing user's roles and password.",
            description = "Reads the password from the terminal (twice), or one line from standard input with --password-stdin.",
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the user was written", "1:the users file could not be written", "2:invalid name, role or password"},
            footerHeading = "%nExamples:%n",
            footer = {"  leo user add olga --role operator", "  echo \"$PW\" | leo user add grafana --role viewer --password-stdin"})
    static class Add implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "1 to 32 of a-z 0-9 _ . -, starting with a letter or _.")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", split = ",", required = true, description = "viewer or operator (or both, comma-separated).")
        List<String> roles;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @Option(names = "--users", paramLabel = "FILE", defaultValue = DEFAULT_FILE, description = "The users file. Default: ${DEFAULT-VALUE}.")
        Path file;

        @Override
        public Integer call() throws IOException {
            char[] password = stdin ? readLine() : prompt();
            if (password == null) {
                System.err.println("leo user add: no password given");
                return 2;
            }
            try {
                Set<String> r = new LinkedHashSet<>(roles);
                Users.put(file, name, r, password);
            } catch (IllegalArgumentException e) {
                System.err.println("leo user add: " + e.getMessage());
                return 2;
            } finally {
                Arrays.fill(password, '\0');
            }
            System.out.println("user " + name + " (" + String.join(",", roles) + ") written to " + file);
            return 0;
        }

        private static char[] readLine() throws IOException {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return line == null ? null : line.toCharArray();
        }

        private static char[] prompt() {
            Console c = System.console();
            if (c == null) {
                System.err.println("leo user add: no terminal to ask for the password; use --password-stdin");
                return null;
            }
            char[] a = c.readPassword("password: ");
            char[] b = c.readPassword("again: ");
            if (a == null || !Arrays.equals(a, b)) {
                System.err.println("leo user add: the passwords differ");
                return null;
            }
            return a;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, header = "Remove a user.",
            exitCodeListHeading = "%nExit status:%n", exitCodeList = {"0:removed", "1:no such user, or the file could not be written"})
    static class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--users", paramLabel = "FILE", defaultValue = DEFAULT_FILE, description = "The users file. Default: ${DEFAULT-VALUE}.")
        Path file;

        @Override
        public Integer call() throws IOException {
            if (!Users.remove(file, name)) {
                System.err.println("leo user remove: no user " + name + " in " + file);
                return 1;
            }
            System.out.println("user " + name + " removed from " + file);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, header = "List the users and their roles.")
    static class ListUsers implements Callable<Integer> {
        @Option(names = "--users", paramLabel = "FILE", defaultValue = DEFAULT_FILE, description = "The users file. Default: ${DEFAULT-VALUE}.")
        Path file;

        @Option(names = "--json", description = "Print a JSON array of {name, roles}.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            var users = Users.read(file).values();
            if (json) {
                StringBuilder b = new StringBuilder("[");
                for (Users.User u : users) {
                    b.append(b.length() > 1 ? "," : "").append("{\"name\":\"").append(u.name()).append("\",\"roles\":[");
                    b.append(String.join(",", u.roles().stream().sorted().map(r -> "\"" + r + "\"").toList())).append("]}");
                }
                System.out.println(b.append("]"));
            } else {
                users.forEach(u -> System.out.println(u.name() + " " + String.join(",", u.roles().stream().sorted().toList())));
            }
            return 0;
        }
    }
}
