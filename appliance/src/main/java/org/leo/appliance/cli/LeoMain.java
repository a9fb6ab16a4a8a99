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
    @Override
    public int run(String... args) {
        return newCommandLine().execute(args);
    }

    /** A command line whose command objects are CDI beans when they are, plain objects otherwise. */
    static CommandLine newCommandLine() {
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
