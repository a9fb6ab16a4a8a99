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
        return new CommandLine(new LeoCommand(), factory);
    }
}
