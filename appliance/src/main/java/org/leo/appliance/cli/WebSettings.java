package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;

/** The Quarkus settings decided before Quarkus starts: whether and where the operator's HTTP port listens. */
final class WebSettings {
    /** The session cookie's encryption key, under the data directory: one per appliance, kept across restarts. */
    static final String SESSION_KEY = org.leo.appliance.service.SessionGeneration.ENCRYPTION_KEY;

    private WebSettings() {
    }

    /** No HTTP listener (one-shot commands). An explicit -D setting still wins. */
    static void disable() {
        setDefault("quarkus.http.host-enabled", "false");
    }

    /** {@code leo serve ARGS}: its --web-port and --web-address, and the session key from its --data-dir. */
    static void apply(String[] serveArgs) {
        ServeCommand serve = new ServeCommand();
        try {
            new CommandLine(serve).parseArgs(serveArgs);
        } catch (CommandLine.PicocliException e) {
            disable(); // the command itself reports the usage error, with no port opened
            return;
        }
        if (serve.spec.commandLine().isUsageHelpRequested() || serve.spec.commandLine().isVersionHelpRequested()) {
            disable();
            return;
        }
        setDefault("quarkus.http.port", Integer.toString(serve.webPort));
        setDefault("quarkus.http.host", serve.webAddress);
        try {
            setDefault("quarkus.http.auth.session.encryption-key", sessionKey(serve.dataDir));
        } catch (IOException e) {
            // Quarkus then makes a key of its own for this run: sessions do not survive a restart
            System.err.println("leo serve: no session key in " + serve.dataDir + " (" + e.getMessage() + "); dashboard sessions end when it stops");
        }
    }

    /** Reads DATA-DIR/web-session.key, creating it (mode 0600, 32 random bytes) the first time. */
    static String sessionKey(Path dataDir) throws IOException {
        return org.leo.appliance.service.SessionGeneration.secret(dataDir.resolve(SESSION_KEY), 32, false);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
