package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.pxe.vm.VmPreconditions;

/**
 * The operator's scripts, as the README tells an operator to run them: {@code scripts/run} (the
 * boot demo) and {@code scripts/attest-loop} (the whole loop: image, boot, attestation, a scratch
 * disk write, power cycle, clean again, the TPM's quote). They run with {@code BUILD=never} on the
 * jar this build packaged; their own output is checked, not re-derived.
 */
@Tag("system")
class OperatorScriptsIT {
    private static final Path REPO = HpcAttestationIT.REPO;

    record Run(int status, String output) { }

    private static Run script(String name, Map<String, String> env, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(REPO.resolve("scripts").resolve(name).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("leoe-script-", ".log");
        pb.redirectOutput(out.toFile());
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroy(); // SIGTERM: the script's trap cleans up what it made
                p.waitFor(30, TimeUnit.SECONDS);
                return new Run(-1, Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    private static void assumeRunnable() throws IOException {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        VmPreconditions.assumeVmBootPossible();
    }

    @Test
    void helpReadsLikeAManPageAndBadOptionsExitTwo() throws Exception {
        for (String s : List.of("run", "attest-loop")) {
            Run help = script(s, Map.of(), 30, "--help");
            assertThat(help.status()).as(s).isZero();
            assertThat(help.output()).contains("Exit status:").contains("Options (environment variables):").contains("Examples:");
            Run bad = script(s, Map.of("FIRMWARE", "coreboot"), 30);
            assertThat(bad.status()).as(s + ": " + bad.output()).isEqualTo(2);
            assertThat(bad.output()).contains("FIRMWARE must be bios or uefi, not 'coreboot'");
        }
        Run tamper = script("attest-loop", Map.of("TAMPER", "nothing"), 30);
        assertThat(tamper.status()).isEqualTo(2);
        assertThat(tamper.output()).contains("TAMPER must be disk, nic or usb");
    }

    @Test
    void scriptsRunBootsTheProbeImage() throws Exception {
        assumeRunnable();
        Run r = script("run", Map.of("BUILD", "never"), 600);
        assertThat(r.status()).as(tail(r.output())).isZero();
        assertThat(r.output()).contains("run: OK: a disk-less bios VM booted the signed image over tftp");
        System.out.println(tail(r.output()));
    }

    @Test
    void scriptsAttestLoopFindsTheDiskWriteAndTheVmIsAttestedCleanAgain() throws Exception {
        assumeRunnable();
        Run r = script("attest-loop", Map.of("BUILD", "never"), 900);
        assertThat(r.status()).as(tail(r.output())).isZero();
        assertThat(r.output()).contains("critical disk.root.changed").contains("action.power-cycle")
                .contains("quote: verifies (signature, nonce, PCR 23)")
                .contains("attest-loop: OK: 4 KiB written into the scratch disk was found, the VM power-cycled and was attested clean again");
        System.out.println(tail(r.output()));
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    }
}
