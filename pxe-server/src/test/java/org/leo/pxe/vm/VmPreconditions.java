package org.leo.pxe.vm;

import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/** What every disk-less VM boot test needs; each missing piece skips the test with its reason. */
public final class VmPreconditions {
    private VmPreconditions() {
    }

    /**
     * Checks root, iproute2, QEMU, the iPXE ROM and that network namespaces with a bridge and a tap
     * can be made, then returns the test kernel and initramfs (fetched from Debian once, cached).
     */
    public static BootArtifacts assumeVmBootPossible() throws IOException {
        assumeTrue(Exec.onPath("ip"), "iproute2 'ip' not on PATH");
        assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"),
                "needs root (network namespaces, tap devices)");
        assumeTrue(Exec.onPath(QemuVm.QEMU), QemuVm.QEMU + " missing (Debian package qemu-system-x86)");
        assumeTrue(Files.isReadable(QemuVm.IPXE_VIRTIO_ROM), QemuVm.IPXE_VIRTIO_ROM + " missing (Debian package ipxe-qemu)");
        try {
            NetNsTopology.create(NetNsTopology.DEFAULT_BASE).close(); // probe: netns + veth + bridge + tap
        } catch (IOException e) {
            abort("cannot create network namespaces/bridge/tap: " + e.getMessage());
        }
        try {
            return BootArtifacts.ensure();
        } catch (BootArtifacts.UnavailableException e) {
            abort("Debian archive unreachable, cannot fetch the test kernel/busybox: " + e.getMessage());
            throw e; // not reached: abort throws
        }
    }
}
