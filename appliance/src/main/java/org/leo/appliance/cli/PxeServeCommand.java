package org.leo.appliance.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve boot files.")
public class PxeServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("serving");
        Quarkus.waitForExit();
        return 0;
    }
}
