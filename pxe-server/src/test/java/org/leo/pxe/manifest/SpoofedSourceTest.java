package org.leo.pxe.manifest;

import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.Sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRefusal.Reason;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.NeighborTable;

/**
 * A machine on the HPC segment that sends boot requests from the HPC's address (10.77.0.10)
 * with its own MAC: the Pi's neighbour table on the HPC interface maps the address to that MAC,
 * not to the lease's. Its requests are refused, counted and recorded under no MAC, so the HPC's
 * latest boot (the one the attestation server checks) keeps its nonce and gets no refusal.
 * The neighbour table is a file in the kernel's {@code /proc/net/arp} format, rewritten per step.
 */
class SpoofedSourceTest {
    static final MacAddress HPC_MAC = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress SPOOFER_MAC = MacAddress.parse("02:00:00:66:66:66");
    static final InetSocketAddress HPC = new InetSocketAddress("10.77.0.10", 1069);
    static final String HEADER = "IP address       HW type     Flags       HW address            Mask     Device";

    @TempDir
    Path tmp;
    Path arp;
    SqliteBootEventLog log;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ManifestBootFiles files;

    @BeforeEach
    void setUp() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("root"));
        byte[] kernel = new byte[600];
        Files.write(root.resolve("vmlinuz"), kernel);
        BootManifest manifest = new BootManifest("test", Instant.now(),
                List.of(new ManifestEntry("vmlinuz", kernel.length, Sha256.hex(kernel))));
        arp = tmp.resolve("arp");
        neighbour(HPC_MAC, "leohpc");
        log = SqliteBootEventLog.open(tmp.resolve("events.db"));
        InetAddress leased = HPC.getAddress();
        files = new ManifestBootFiles(root, manifest, ip -> ip.equals(leased) ? Optional.of(HPC_MAC) : Optional.empty(),
                SourceCheck.against(new NeighborTable(arp, "leohpc")), log, IpxeScriptConfig.defaults("10.77.0.1", 80), registry);
    }

    @org.junit.jupiter.api.AfterEach
    void close() throws Exception {
        log.close();
    }

    /** The Pi's neighbour table says 10.77.0.10 is at {@code mac} on {@code device}. */
    private void neighbour(MacAddress mac, String device) throws Exception {
        Files.write(arp, List.of(HEADER, "10.77.0.10       0x1         0x2         " + mac + "     *        " + device));
    }

    private BootRefusal refused(Protocol protocol, String name) {
        try {
            files.open(new BootRequest(protocol, HPC, name));
        } catch (BootRefusal r) {
            return r;
        }
        throw new AssertionError(name + " was served");
    }

    @Test
    void scriptRequestFromASpoofedMacLeavesTheHpcsLatestBootUnchanged() throws Exception {
        deliverScript(); // the HPC's own boot
        BootSession before = log.latestBoot(HPC_MAC).orElseThrow();

        neighbour(SPOOFER_MAC, "leohpc");
        for (Protocol p : Protocol.values()) {
            BootRefusal r = refused(p, "boot.ipxe");
            assertThat(r.reason()).isEqualTo(Reason.SPOOFED_SOURCE);
            assertThat(r.getMessage()).isEqualTo(
                    "request from 10.77.0.10: the neighbour table maps it to 02:00:00:66:66:66, but 52:54:00:77:00:10 holds its lease");
        }
        assertThat(refused(Protocol.TFTP, "missing").reason()).as("checked before the name").isEqualTo(Reason.SPOOFED_SOURCE);

        BootSession after = log.latestBoot(HPC_MAC).orElseThrow();
        assertThat(after.nonce()).isEqualTo(before.nonce());
        assertThat(after.scriptEventId()).isEqualTo(before.scriptEventId());
        assertThat(after.refusals()).as("nothing recorded under the HPC's MAC").isEmpty();
        assertThat(log.latestBoot(SPOOFER_MAC)).isEmpty();
        assertThat(log.since(0, 100)).filteredOn(e -> e.event().stage() == BootStage.FILE_REFUSED).hasSize(Protocol.values().length + 1)
                .allSatisfy(e -> {
                    assertThat(e.event().mac()).isEmpty();
                    assertThat(e.event().detail()).startsWith("SPOOFED_SOURCE: request from 10.77.0.10: the neighbour table maps it to "
                            + SPOOFER_MAC + ", but " + HPC_MAC);
                });
        assertThat(registry.counter("leo.boot.files.refused", "reason", "SPOOFED_SOURCE").count()).isEqualTo(Protocol.values().length + 1);

        neighbour(HPC_MAC, "leohpc"); // the HPC itself is served again
        assertThat(deliverScript().generated()).isTrue();
        assertThat(log.latestBoot(HPC_MAC).orElseThrow().nonce()).isNotEqualTo(before.nonce());
    }

    /** The HPC fetches its script and acknowledges all of it. */
    private org.leo.pxe.boot.ServedFile deliverScript() throws BootRefusal {
        BootRequest request = new BootRequest(Protocol.TFTP, HPC, "boot.ipxe");
        org.leo.pxe.boot.ServedFile script = files.open(request);
        files.finished(request, script, new org.leo.pxe.boot.TransferResult(script.size(), script.sha256Hex(), true,
                java.time.Duration.ZERO, ""));
        return script;
    }

    @Test
    void requestWithNoNeighbourEntryOnTheHpcInterfaceIsRefused() throws Exception {
        neighbour(HPC_MAC, "eth0"); // the right MAC, learned on another link
        BootRefusal r = refused(Protocol.TFTP, "boot.ipxe");
        assertThat(r.reason()).isEqualTo(Reason.SPOOFED_SOURCE);
        assertThat(r.getMessage()).isEqualTo("request from 10.77.0.10 (lease of 52:54:00:77:00:10) has no neighbour entry on the "
                + "HPC interface: the sender never resolved this server");
        Files.write(arp, List.of(HEADER));
        assertThat(refused(Protocol.HTTP, "vmlinuz").reason()).isEqualTo(Reason.SPOOFED_SOURCE);
        assertThat(log.latestBoot(HPC_MAC)).isEmpty();
    }

    @Test
    void theLeaseHoldersOwnRequestsAreServed() throws Exception {
        assertThat(files.open(new BootRequest(Protocol.HTTP, HPC, "vmlinuz")).mac()).contains(HPC_MAC);
        assertThat(files.open(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe")).generated()).isTrue();
        assertThatThrownBy(() -> files.open(new BootRequest(Protocol.HTTP, new InetSocketAddress("10.77.0.99", 1), "boot.ipxe")))
                .hasMessage("boot.ipxe: no lease for 10.77.0.99");
    }
}
