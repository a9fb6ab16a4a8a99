package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HPC's own TPM for a QEMU VM: {@code swtpm socket --tpm2} over a given state directory (for
 * example one {@link org.leo.protocol.tpm.LocalCa} manufactured, with EK certificates in NV), its
 * control channel on a unix socket that QEMU's {@code -tpmdev emulator} connects to through the
 * file system (so the VM may run in another network namespace). The firmware sends
 * TPM2_Startup itself. Stopped by PID; the state directory is the caller's and stays.
 */
final class VmTpm implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final Path socket;

    private VmTpm(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts swtpm over {@code stateDir}; its socket and log go to {@code runDir}. */
    static VmTpm start(Path stateDir, Path runDir) throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        Path sock = runDir.resolve("swtpm.sock");
        Files.deleteIfExists(sock);
        Process p = new ProcessBuilder(List.of("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + stateDir,
                "--ctrl", "type=unixio,path=" + sock, "--log", "file=" + runDir.resolve("swtpm.log") + ",level=2"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("swtpm.out").toFile())).start();
        VmTpm tpm = new VmTpm(p, sock);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!Files.exists(sock)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                tpm.close();
                throw new IOException("swtpm over " + stateDir + " did not open " + sock + ": " + Files.readString(runDir.resolve("swtpm.out")));
            }
            Thread.sleep(50);
        }
        return tpm;
    }

    /** The QEMU arguments that make this swtpm the VM's CRB TPM 2.0 (as OVMF and Linux expect on x86). */
    List<String> qemuArgs() {
        return qemuArgs("tpm-crb");
    }

    /** The same with another TPM interface: {@code tpm-tis-device} on the arm64 virt machine. */
    List<String> qemuArgs(String device) {
        return List.of("-chardev", "socket,id=chrtpm,path=" + socket, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", device + ",tpmdev=tpm0");
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
