package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs tpm2-tools in a work directory, against one TCTI or none. Test support. */
final class Tpm2Tools {
    private final String tcti;
    private final Path workDir;

    /** @param tcti the {@code TPM2TOOLS_TCTI} value, or null to run with the variable unset */
    Tpm2Tools(String tcti, Path workDir) {
        this.tcti = tcti;
        this.workDir = workDir;
    }

    static boolean installed() {
        return SwtpmProcess.onPath("tpm2_quote") && SwtpmProcess.onPath("tpm2_checkquote");
    }

    record Result(List<String> command, int exitCode, String output) {
    }

    Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().remove("TPM2TOOLS_TCTI");
        if (tcti != null) {
            pb.environment().put("TPM2TOOLS_TCTI", tcti);
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 60 s");
        }
        return new Result(List.of(command), p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed; returns its output. */
    String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exitCode() != 0) {
            fail(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }

}
