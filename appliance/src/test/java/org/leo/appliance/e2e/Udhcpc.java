package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.pxe.vm.Exec;

/**
 * A real DHCP client: busybox {@code udhcpc} in a {@link ClientNetNs}, announcing itself as a BIOS
 * PXE client. Its event script appends one line per event ({@code bound}, {@code renew},
 * {@code deconfig}, ...) with the address and server id the client accepted to a record file, and
 * configures the address on bound/renew (a unicast renewal needs it). The record file is therefore
 * the list of ACKs the client saw, which the test compares with the server's lease table.
 */
final class Udhcpc implements AutoCloseable {
    static final String PXE_BIOS_VENDOR_CLASS = "PXEClient:Arch:00000:UNDI:002001";
    private static final Pattern EVENT = Pattern.compile("^(\\S+) ip=(\\S*) serverid=(\\S*) lease=(\\S*)");

    /** One event the client's script saw: {@code kind} is udhcpc's first script argument. */
    record Event(String kind, String ip, String serverId, String leaseSeconds) {
    }

    private final ClientNetNs host;
    private final Path script;
    private final Path record;
    private final Path log;
    private Process daemon;

    Udhcpc(ClientNetNs host, Path dir) throws IOException {
        this.host = host;
        Files.createDirectories(dir);
        this.record = dir.resolve("udhcpc-events.txt");
        this.log = dir.resolve("udhcpc.log");
        this.script = dir.resolve("udhcpc-script.sh");
        Files.writeString(script, """
                #!/bin/sh
                echo "$1 ip=$ip serverid=$serverid lease=$lease boot_file=$boot_file siaddr=$siaddr" >> '%s'
                case "$1" in
                  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface" ;;
                  deconfig) ip addr flush dev "$interface" ;;
                esac
                exit 0
                """.formatted(record), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private String[] argv(boolean once, Optional<String> requestIp) {
        List<String> a = new java.util.ArrayList<>(List.of("busybox", "udhcpc", "-f", "-i", ClientNetNs.IF_NAME,
                "-V", PXE_BIOS_VENDOR_CLASS, "-s", script.toString(), "-t", "10", "-T", "1", "-O", "bootfile"));
        if (once) {
            a.addAll(List.of("-q", "-n"));
        }
        requestIp.ifPresent(ip -> a.addAll(List.of("-r", ip)));
        return a.toArray(String[]::new);
    }

    /** Starts udhcpc as a long-running client (it stays bound and renews); its PID is busybox's. */
    void startDaemon() throws IOException {
        daemon = host.processBuilder(argv(false, Optional.empty())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Runs {@code udhcpc -q -n}: one DISCOVER/REQUEST exchange (asking for {@code requestIp}), then exit. */
    Exec.Result once(Optional<String> requestIp) throws IOException {
        return host.run(Duration.ofSeconds(60), argv(true, requestIp));
    }

    /** SIGUSR1 to the running client, by PID: udhcpc then renews its lease with a unicast REQUEST. */
    void renew() throws IOException {
        Exec.check("kill", "-USR1", Long.toString(daemon.pid()));
    }

    long pid() {
        return daemon.pid();
    }

    List<Event> events() throws IOException {
        if (!Files.exists(record)) {
            return List.of();
        }
        return Files.readAllLines(record, StandardCharsets.US_ASCII).stream().map(EVENT::matcher).filter(Matcher::find)
                .map(m -> new Event(m.group(1), m.group(2), m.group(3), m.group(4))).toList();
    }

    /** The ACKs the client accepted: its bound and renew events. */
    List<Event> acks() throws IOException {
        return events().stream().filter(e -> e.kind().equals("bound") || e.kind().equals("renew")).toList();
    }

    /** Waits until the client has accepted more than {@code seen} ACKs; returns the newest. */
    Event awaitAck(int seen, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Event> acks = acks();
            if (acks.size() > seen) {
                return acks.get(acks.size() - 1);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("udhcpc in " + host.netns() + " got no new ACK within " + timeout + "; events "
                + events() + "; log:\n" + logText());
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Stops the long-running client (SIGTERM by PID). */
    @Override
    public void close() throws InterruptedException {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(5, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
