package org.leo.appliance.cli;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * The JVM entry point: runs the {@code leo} command line inside Quarkus, so commands can use the
 * appliance's beans (configuration, metrics) while staying plain picocli commands.
 */
@QuarkusMain
public class LeoMain implements QuarkusApplication {
    static {
        // Netty's leak detector samples buffers with stack traces: useful in tests (where the build
        // turns it to paranoid), a cost on the appliance. An explicit setting still wins.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        // Netty 4.2 frees its direct buffers with its DirectCleaner when it may open java.nio (the jar's manifest says
        // Add-Opens java.base/java.nio). Otherwise it falls back to CleanerJava9, which Quarkus 3.37's build rewrites
        // for Netty 4.1: every free then fails with a NullPointerException (INVOKE_CLEANER is null), in the boot
        // server's event loops too. ServeIT checks a stop leaves no exception.
        if (System.getProperty("io.netty.tryReflectionSetAccessible") == null) {
            System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        }
        openJavaNio();
    }

    /**
     * Opens java.nio to this class path, as {@code --add-opens java.base/java.nio=ALL-UNNAMED} would: Netty needs it for
     * its DirectCleaner. The Quarkus runner jar's manifest opens only java.lang (and replaces any Add-Opens of ours), but
     * an open java.lang is enough to ask the JDK for the rest. If that fails, Netty stays on CleanerJava9 (see above).
     */
    static void openJavaNio() {
        if (Object.class.getModule().isOpen("java.nio", LeoMain.class.getModule())) {
            return; // --add-opens given
        }
        try {
            java.lang.reflect.Method addOpens = Module.class.getDeclaredMethod("implAddOpens", String.class);
            addOpens.setAccessible(true);
            addOpens.invoke(Object.class.getModule(), "java.nio");
        } catch (ReflectiveOperationException | RuntimeException e) {
            // only off the runner jar (whose manifest opens java.lang): a class path run by a test or the docs generator
            if (System.getenv("LEO_DEBUG") != null) {
                System.err.println("leo: cannot open java.nio to Netty (" + e + "); run java with --add-opens java.base/java.nio=ALL-UNNAMED");
            }
        }
    }

    /**
     * Only {@code leo serve} listens on the operator's HTTP port. Quarkus opens it while it starts, before
     * {@link #run} sees the command, so the decision is made here from the arguments: every other command runs with
     * no listener at all. For {@code serve}, the port and address come from its own options (command line, then the
     * configuration file) and the session cookie's key from its data directory.
     */
    public static void main(String... args) {
        if (args.length > 0 && "serve".equals(args[0])) {
            WebSettings.apply(java.util.Arrays.copyOfRange(args, 1, args.length));
        } else {
            WebSettings.disable();
        }
        io.quarkus.runtime.Quarkus.run(LeoMain.class, args);
    }

    @Override
    public int run(String... args) {
        CommandLine cl;
        try {
            cl = newCommandLine();
        } catch (CommandLine.InitializationException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.err.println("leo: " + root.getMessage());
            return 2;
        }
        return cl.execute(args);
    }

    /**
     * A command line whose command objects are CDI beans when they are, plain objects otherwise (so also
     * without Quarkus: the build's man page and completion generator, {@code cli.docs.CliDocs}).
     */
    public static CommandLine newCommandLine() {
        CommandLine.IFactory fallback = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (Arc.container() != null) {
                    InstanceHandle<K> bean = Arc.container().instance(cls);
                    if (bean.isAvailable()) {
                        return bean.get();
                    }
                }
                return fallback.create(cls);
            }
        };
        return CliConventions.apply(new CommandLine(new LeoCommand(), factory));
    }
}
