package org.leo.attest.action;

import java.io.IOException;

/** Cuts an HPC off the network at the Pi (its only link). {@link LinkNetworkControl} takes the link down. */
public interface NetworkControl {
    NetworkControl NONE = new NetworkControl() {
        @Override
        public void cut(String hpc) throws IOException {
            throw new IOException("no network control is configured for " + hpc);
        }

        @Override
        public void restore(String hpc) throws IOException {
            throw new IOException("no network control is configured for " + hpc);
        }
    };

    void cut(String hpc) throws IOException;

    /** Undoes {@link #cut} (after a power cycle the HPC must reach the Pi to boot again). */
    void restore(String hpc) throws IOException;
}
