package org.leo.pxe.vm;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A test host: a Linux network namespace the harness created, with (optionally) one configured
 * interface. Servers under test run their processes through {@link #command(String...)}.
 *
 * @param netns        the namespace name ({@code ip netns exec NETNS ...})
 * @param ifName       its interface towards the HPC segment
 * @param ipv4         that interface's IPv4 address, dotted quad (empty for hosts without one)
 * @param prefixLength the IPv4 prefix length of {@code ipv4}
 */
public record NetNsHost(String netns, String ifName, Optional<String> ipv4, int prefixLength) {

    /** {@code ip netns exec NETNS argv...}: the argv to start a process inside this host. */
    public List<String> command(String... argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        cmd.addAll(List.of(argv));
        return cmd;
    }

    /** A ProcessBuilder for {@link #command}; {@code ip netns exec} execs, so the PID is the program's. */
    public ProcessBuilder processBuilder(String... argv) {
        return new ProcessBuilder(command(argv));
    }

    /** The IPv4 address, or an exception for a host without one. */
    public String address() {
        return ipv4.orElseThrow(() -> new IllegalStateException("host " + netns + " has no IPv4 address"));
    }

    /** Runs a short command inside the namespace; throws with its output if it exits non-zero. */
    public String exec(String... argv) throws IOException {
        return Exec.run(Duration.ofSeconds(30), command(argv)).check().output();
    }
}
