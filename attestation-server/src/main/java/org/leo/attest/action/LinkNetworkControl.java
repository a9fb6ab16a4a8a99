package org.leo.attest.action;

import java.io.IOException;
import java.util.List;

/**
 * Cuts the HPC off by taking the Pi's interface towards it down ({@code ip link set dev IF down}),
 * optionally inside a network namespace (tests). The HPC has no other link, so this isolates it.
 */
public final class LinkNetworkControl implements NetworkControl {
    private final String netns;
    private final String device;

    /** {@code netns} may be null for the current namespace. */
    public LinkNetworkControl(String netns, String device) {
        this.netns = netns;
        this.device = device;
    }

    private List<String> command(String state) {
        return netns == null ? List.of("ip", "link", "set", "dev", device, state)
                : List.of("ip", "-n", netns, "link", "set", "dev", device, state);
    }

    @Override
    public void cut(String hpc) throws IOException {
        Commands.run(command("down"));
    }

    @Override
    public void restore(String hpc) throws IOException {
        Commands.run(command("up"));
    }
}
