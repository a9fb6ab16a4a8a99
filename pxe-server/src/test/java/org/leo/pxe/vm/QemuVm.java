package org.leo.pxe.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disk-less QEMU VM (software emulation, {@code -accel tcg}) that network-boots from its NIC's
 * iPXE option ROM, in the HPC namespace of a {@link NetNsTopology}.
 *
 * <p>Serial console: QEMU's stdout ({@code -nographic -serial stdio}) is read by a thread, split into
 * lines stamped relative to power-on (= process start) and written to {@code RUN/serial.log} as
 * {@code +SSS.mmm text}. Monitor: HMP on {@code RUN/monitor.sock} for hot-plug and
 * {@code system_reset}. {@code -no-reboot}: a guest reboot or a kernel panic ({@code panic=1}) ends
 * the process. {@link #close()} kills the process by PID (SIGTERM, then SIGKILL).
 */
public final class QemuVm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QemuVm.class);
    public static final String QEMU = "qemu-system-x86_64";
    public static final Path IPXE_VIRTIO_ROM = Path.of("/usr/lib/ipxe/qemu/efi-virtio.rom");
    private static final Duration MONITOR_TIMEOUT = Duration.ofSeconds(10);
    private static final int SERIAL_TAIL_LINES = 25;

    private final Process process;
    private final long powerOnNanoTime;
    private final LineRecorder serial;
    private final Path runDir;
    private final Path monitorSocket;
    private final Thread killHook;
    private HmpMonitor monitor;

    private QemuVm(Process process, long powerOnNanoTime, LineRecorder serial, Path runDir, Path monitorSocket) {
        this.process = process;
        this.powerOnNanoTime = powerOnNanoTime;
        this.serial = serial;
        this.runDir = runDir;
        this.monitorSocket = monitorSocket;
        this.killHook = new Thread(process::destroyForcibly, "qemu-kill-" + process.pid());
        Runtime.getRuntime().addShutdownHook(killHook);
    }

    public static Builder builder(NetNsHost hpc, String tap, Path runDir) {
        return new Builder(hpc, tap, runDir);
    }

    /**
     * A VM without a NIC that boots {@code kernel} and {@code initrd} directly (QEMU's {@code -kernel},
     * {@code -initrd}, {@code -append}), without firmware boot menus or PXE: for tests of the image
     * itself, not of its network boot.
     */
    public static Builder directBoot(Path kernel, Path initrd, String append, Path runDir) {
        Builder b = new Builder(runDir);
        b.direct = List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", append);
        return b;
    }

    /** Configures and starts a VM. Defaults: BIOS, 256 MiB, machine pc, virtio-net-pci bootindex 1. */
    public static final class Builder {
        private final NetNsHost hpc;
        private final String tap;
        private final Path runDir;
        private Firmware firmware = Firmware.BIOS;
        private MacAddress mac = MacAddress.parse("52:54:00:77:00:10");
        private String nicModel = "virtio-net-pci";
        private int bootIndex = 1;
        private int memoryMiB = 256;
        private String machine = "pc";
        private String binary = QEMU;
        private boolean noReboot = true;
        private final List<String> extraArgs = new ArrayList<>();
        /** -kernel, -initrd, -append of a direct boot (no NIC), or empty. */
        private List<String> direct = List.of();

        private Builder(NetNsHost hpc, String tap, Path runDir) {
            this.hpc = Objects.requireNonNull(hpc);
            this.tap = Objects.requireNonNull(tap);
            this.runDir = Objects.requireNonNull(runDir);
        }

        private Builder(Path runDir) {
            this.hpc = null;
            this.tap = null;
            this.runDir = Objects.requireNonNull(runDir);
        }

        public Builder firmware(Firmware f) {
            this.firmware = Objects.requireNonNull(f);
            return this;
        }

        public Builder mac(MacAddress m) {
            this.mac = Objects.requireNonNull(m);
            return this;
        }

        /** QEMU NIC device, e.g. {@code virtio-net-pci} (ROM efi-virtio.rom) or {@code e1000}. */
        public Builder nicModel(String model) {
            this.nicModel = Objects.requireNonNull(model);
            return this;
        }

        public Builder bootIndex(int index) {
            this.bootIndex = index;
            return this;
        }

        public Builder memoryMiB(int mib) {
            this.memoryMiB = mib;
            return this;
        }

        public Builder machine(String m) {
            this.machine = Objects.requireNonNull(m);
            return this;
        }

        /** The QEMU program: {@value QemuVm#QEMU} by default, {@code qemu-system-aarch64} for an arm64 VM (machine virt). */
        public Builder binary(String b) {
            this.binary = Objects.requireNonNull(b);
            return this;
        }

        /**
         * {@code -no-reboot} (default true): a guest reboot, a panic and also HMP {@code system_reset}
         * end the process. Power-cycle tests that {@code system_reset} a running VM set false.
         */
        public Builder noReboot(boolean b) {
            this.noReboot = b;
            return this;
        }

        /** Further QEMU arguments, appended as given (e.g. a second {@code -device}). */
        public Builder extraArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        /** The full command line {@link #start()} runs (for logs and tests). */
        public List<String> command() {
            List<String> a = new ArrayList<>(List.of(binary, "-name", "leo-test-vm", "-accel", "tcg",
                    "-machine", machine, "-m", Integer.toString(memoryMiB), "-nodefaults", "-nographic",
                    "-serial", "stdio", "-monitor", "unix:" + runDir.resolve("monitor.sock") + ",server=on,wait=off"));
            if (direct.isEmpty()) {
                a.addAll(List.of("-boot", "n"));
            }
            if (noReboot) {
                a.add("-no-reboot");
            }
            if (firmware == Firmware.UEFI) {
                a.addAll(List.of("-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + Firmware.OVMF_CODE,
                        "-drive", "if=pflash,format=raw,unit=1,file=" + runDir.resolve("ovmf-vars.fd")));
            }
            if (hpc == null) {
                a.addAll(List.of("-nic", "none"));
                a.addAll(direct);
                a.addAll(extraArgs);
                return a;
            }
            a.addAll(List.of("-netdev", "tap,id=n0,ifname=" + tap + ",script=no,downscript=no",
                    "-device", nicModel + ",netdev=n0,mac=" + mac + ",bootindex=" + bootIndex));
            a.addAll(direct);
            a.addAll(extraArgs);
            return hpc.command(a.toArray(String[]::new));
        }

        public QemuVm start() throws IOException {
            Files.createDirectories(runDir);
            Path sock = runDir.resolve("monitor.sock");
            Files.deleteIfExists(sock);
            if (firmware == Firmware.UEFI) {
                // each VM gets its own writable NVRAM; the code flash stays read-only and shared
                Files.copy(Firmware.OVMF_VARS, runDir.resolve("ovmf-vars.fd"), StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> cmd = command();
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(runDir.resolve("qemu.err").toFile());
            long t0 = System.nanoTime();
            Process p = pb.start();
            LineRecorder serial;
            try {
                serial = new LineRecorder("qemu-serial-" + p.pid(), p.getInputStream(), runDir.resolve("serial.log"), t0);
            } catch (IOException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
            LOG.info("QEMU pid {} {} mac {}: {}", p.pid(), firmware, mac, String.join(" ", cmd));
            return new QemuVm(p, t0, serial, runDir, sock);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** {@link System#nanoTime()} just before the QEMU process was started. */
    public long powerOnNanoTime() {
        return powerOnNanoTime;
    }

    public Path runDir() {
        return runDir;
    }

    public Path serialLog() {
        return runDir.resolve("serial.log");
    }

    /** Time of the first byte on the serial console, relative to power-on. */
    public Optional<Duration> firstSerialByte() {
        return serial.firstByteNanoTime().map(n -> Duration.ofNanos(n - powerOnNanoTime));
    }

    /** All serial lines so far. */
    public List<SerialLine> serialLines() {
        return serial.lines().stream().map(this::toSerial).toList();
    }

    /** The first serial line (from the start) in which {@code pattern} is found (unanchored). */
    public SerialLine awaitSerial(Pattern pattern, Duration timeout) throws TimeoutException, InterruptedException {
        return awaitSerialAfter(-1, pattern, timeout);
    }

    /** The first serial line with index > {@code afterIndex} in which {@code pattern} is found. */
    public SerialLine awaitSerialAfter(int afterIndex, Pattern pattern, Duration timeout)
            throws TimeoutException, InterruptedException {
        Optional<TimedLine> l = serial.await(pattern, afterIndex + 1, timeout, () -> false);
        if (l.isPresent()) {
            return toSerial(l.get());
        }
        throw new TimeoutException("no serial line matching /" + pattern + "/ within " + timeout
                + (process.isAlive() ? "" : " (QEMU exited " + process.exitValue() + ")") + "; last lines:\n"
                + tail() + qemuStderr());
    }

    /** The last serial lines, for failure messages. */
    public String tail() {
        List<SerialLine> all = serialLines();
        StringBuilder b = new StringBuilder();
        for (SerialLine s : all.subList(Math.max(0, all.size() - SERIAL_TAIL_LINES), all.size())) {
            b.append("  ").append(s).append('\n');
        }
        return b.toString();
    }

    private String qemuStderr() {
        try {
            String err = Files.readString(runDir.resolve("qemu.err")).strip();
            return err.isEmpty() ? "" : "qemu stderr: " + err;
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Runs one HMP command (e.g. {@code system_reset}, {@code info network},
     * {@code device_add virtio-net-pci,id=n1,netdev=...}) and returns its output.
     */
    public synchronized String monitor(String hmpCommand) throws IOException {
        if (monitor == null) {
            monitor = HmpMonitor.connect(monitorSocket, MONITOR_TIMEOUT);
        }
        String out = monitor.command(hmpCommand, MONITOR_TIMEOUT);
        LOG.info("QEMU pid {} monitor '{}' -> {}", process.pid(), hmpCommand, out);
        return out;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the VM to power off (guest {@code poweroff}, or a reset with -no-reboot); its exit code. */
    public Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            serial.join(Duration.ofSeconds(2));
            return Optional.of(process.exitValue());
        }
        return Optional.empty();
    }

    private SerialLine toSerial(TimedLine l) {
        return new SerialLine(l.index(), l.since(powerOnNanoTime), l.text());
    }

    /** Kills QEMU by PID (SIGTERM, SIGKILL after 3 s) and closes the monitor. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            if (monitor != null) {
                monitor.close();
                monitor = null;
            }
        } catch (IOException e) {
            LOG.debug("closing monitor", e);
        }
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            LOG.info("QEMU pid {} killed", process.pid());
        }
        try {
            serial.join(Duration.ofSeconds(2));
            Runtime.getRuntime().removeShutdownHook(killHook);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException e) {
            // JVM shutting down
        }
    }
}
