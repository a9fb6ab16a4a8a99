package org.leo.pxe;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.leo.boot.net.ClientDirectory;
import org.leo.pxe.dhcp.DhcpConfig;
import org.leo.pxe.dhcp.DhcpServer;
import org.leo.pxe.dhcp.LeaseStore;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.http.HttpBootServer;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.pxe.manifest.ManifestBootFiles;
import org.leo.boot.manifest.ManifestFormatException;
import org.leo.boot.manifest.ManifestTool;
import org.leo.pxe.manifest.SourceCheck;
import org.leo.pxe.net.NeighborTable;
import org.leo.pxe.net.Transport;
import org.leo.pxe.ra.RouterAdvertisementResponder;
import org.leo.pxe.tftp.TftpConfig;
import org.leo.pxe.tftp.TftpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The boot server of the HPC segment: DHCP, TFTP, HTTP and the IPv6 RA responder over one
 * measured-file policy ({@link ManifestBootFiles}), one lease table and one boot event log.
 *
 * <p>{@code PxeServer(config) = DhcpServer + TftpServer + HttpBootServer + RA responder}, all on
 * one Netty event loop group, in that order of dependency: leases and events first, then the
 * files policy, then the transports. {@link #close()} stops them in reverse.
 */
public final class PxeServer implements AutoCloseable {
    private volatile BootManifest manifest;
    private volatile ClientDirectory clients = ClientDirectory.NONE;
    private static final Logger log = LoggerFactory.getLogger(PxeServer.class);

    private final PxeConfig config;
    private final MeterRegistry registry;
    private final Transport transport;
    private final List<AutoCloseable> started = new ArrayList<>();
    private EventLoopGroup group;
    private SqliteBootEventLog events;
    private LeaseStore leases;
    private ManifestBootFiles files;
    private volatile DhcpServer dhcpServer;
    private Optional<InetSocketAddress> tftpAddress = Optional.empty();
    private Optional<InetSocketAddress> httpAddress = Optional.empty();

    public PxeServer(PxeConfig config, MeterRegistry registry) {
        this(config, registry, Transport.best());
    }

    public PxeServer(PxeConfig config, MeterRegistry registry, Transport transport) {
        this.config = config;
        this.registry = registry;
        this.transport = transport;
    }

    /**
     * Verifies the manifest, opens the stores and starts every configured protocol. On failure,
     * whatever had started is stopped again before the exception leaves.
     *
     * @throws IOException when the manifest or its key cannot be read or does not verify, or a port cannot be bound
     */
    public synchronized PxeServer start() throws IOException {
        try {
            Files.createDirectories(config.dataDir());
            BootManifest manifest = ManifestTool.loadVerified(config.manifest(), config.publicKey());
            log.info("boot manifest '{}' verified: {} artifacts under {}", manifest.imageId(), manifest.entries().size(),
                    config.bootRoot());
            events = SqliteBootEventLog.open(config.dataDir().resolve(PxeConfig.EVENTS_FILE));
            started.add(events);
            leases = LeaseStore.open(config.dataDir().resolve(PxeConfig.LEASES_FILE));
            started.add(leases);
            group = transport.newGroup(0, config.busyPoll());
            this.manifest = manifest;
            this.clients = clientDirectory();
            files = new ManifestBootFiles(config.bootRoot(), manifest, clients, sourceCheck(), events, config.script(), registry);
            int verified = files.preload();
            log.info("boot root: {} of {} artifacts read and verified into memory", verified, manifest.entries().size());

            if (config.warmup()) {
                Warmup.run(group, transport);
            }
            if (config.http().isPresent()) {
                HttpBootConfig httpConfig = config.hpcInterface().map(config.http().get()::withBindInterface).orElse(config.http().get());
                HttpBootServer http = new HttpBootServer(httpConfig, files, group, transport, registry);
                started.add(http);
                httpAddress = Optional.of(http.start());
                files.setHttpPort(httpAddress.get().getPort());
                log.info("HTTP boot listening on {}", httpAddress.get());
            }
            if (config.tftp().isPresent()) {
                TftpConfig tftpConfig = config.hpcInterface().map(config.tftp().get()::withBindInterface).orElse(config.tftp().get());
                TftpServer tftp = new TftpServer(tftpConfig, files, group, transport, registry);
                started.add(tftp);
                tftpAddress = Optional.of(tftp.start());
                log.info("TFTP listening on {}", tftpAddress.get());
            }
            if (config.dhcp().isPresent()) {
                DhcpServer dhcp = new DhcpServer(config.dhcp().get(), leases, events, group, transport, registry);
                started.add(dhcp);
                dhcp.start();
                dhcpServer = dhcp;
                log.info("{} listening on port {}{}", config.dhcp().get().proxyMode() ? "proxyDHCP" : "DHCP", dhcp.port(),
                        config.dhcp().get().interfaceName() == null ? "" : " on " + config.dhcp().get().interfaceName());
            }
            if (config.raInterface().isPresent()) {
                started.add(RouterAdvertisementResponder.start(config.raInterface().get(), registry));
            }
            return this;
        } catch (SQLException e) {
            close();
            throw new IOException("cannot open the boot event log in " + config.dataDir() + ": " + e.getMessage(), e);
        } catch (ManifestFormatException e) {
            close();
            throw new IOException("boot manifest " + config.manifest() + " is not valid: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while starting", e);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Who is at a client address: the lease table; in proxyDHCP mode, where another server hands
     * out the addresses, the kernel's neighbour table, for enrolled MACs only.
     */
    private ClientDirectory clientDirectory() {
        Optional<DhcpConfig> dhcp = config.dhcp();
        if (dhcp.isEmpty() || !dhcp.get().proxyMode()) {
            return leases;
        }
        NeighborTable neighbors = new NeighborTable();
        return address -> leases.macOf(address).or(() -> neighbors.macOf(address)
                .filter(mac -> dhcp.get().serveUnknownClients() || enrolled().contains(mac)));
    }

    /**
     * With an HPC interface, every boot file request must come from the MAC holding its address's
     * lease, as the kernel's neighbour table on that interface says; without one, no check.
     */
    private SourceCheck sourceCheck() {
        if (config.hpcInterface().isEmpty()) {
            log.warn("no HPC interface given: boot file requests are not checked against the neighbour table");
            return SourceCheck.OFF;
        }
        log.info("boot file requests must come from the MAC holding the lease, as the neighbour table on {} says",
                config.hpcInterface().get());
        return SourceCheck.against(new NeighborTable(config.hpcInterface().get()));
    }

    /** The boot event log: per-MAC boot history, queried by attestation. */
    public SqliteBootEventLog events() {
        return events;
    }

    public LeaseStore leases() {
        return leases;
    }

    /** Who holds a client address (the lease table, plus the neighbour table in proxy mode); attestation binds an agent's MAC with it. */
    public ClientDirectory clients() {
        return clients;
    }

    /** The kernel the boot script loads (an enrolling boot must have fetched it). */
    public String scriptKernel() {
        return config.script().kernel();
    }

    /** The initramfs the boot script loads. */
    public String scriptInitrd() {
        return config.script().initrd();
    }

    /**
     * What an enrolling boot must have fetched whole, as alternatives: the script's kernel and
     * initrd (a BIOS boot, or an image without a UKI), or, when the manifest lists one, the image's
     * unified kernel image {@link IpxeTemplate#UKI} (a UEFI boot of the
     * image's template, which chains it instead of loading the two).
     */
    public List<List<String>> bootArtifactSets() {
        List<List<String>> sets = new ArrayList<>();
        sets.add(List.of(scriptKernel(), scriptInitrd()));
        if (manifest.entry(IpxeTemplate.UKI).isPresent()) {
            sets.add(List.of(IpxeTemplate.UKI));
        }
        return List.copyOf(sets);
    }

    /** The boot-file policy over the verified manifest (the UKI's command line per boot, verified artifact bytes). */
    public ManifestBootFiles files() {
        return files;
    }

    /** The verified boot manifest being served. */
    public BootManifest manifest() {
        return manifest;
    }

    public Optional<InetSocketAddress> tftpAddress() {
        return tftpAddress;
    }

    public Optional<InetSocketAddress> httpAddress() {
        return httpAddress;
    }

    /** The DHCP configuration in force (with the HPCs enrolled since the start); empty when this server runs no DHCP. */
    public Optional<DhcpConfig> dhcpConfig() {
        DhcpServer d = dhcpServer;
        return d == null ? Optional.empty() : Optional.of(d.config());
    }

    /** The MACs enrolled now: those configured at start and those {@link #enroll enrolled} since. */
    public java.util.Set<org.leo.boot.net.MacAddress> enrolled() {
        DhcpServer d = dhcpServer;
        return d != null ? d.config().reservations().keySet() : config.dhcp().map(c -> c.reservations().keySet()).orElse(java.util.Set.of());
    }

    /**
     * Enrolls an HPC while the server runs (the operator's dashboard): DHCP answers its MAC from the next request on.
     * The caller persists it (the appliance keeps DATA-DIR/enrolled.properties) before calling this.
     *
     * @throws IllegalArgumentException its address is not a client address of the subnet, or is another MAC's
     * @throws IllegalStateException    this server runs no DHCP (proxyDHCP or --no-dhcp: another server hands out addresses)
     */
    public void enroll(org.leo.pxe.dhcp.Reservation r) {
        DhcpServer d = dhcpServer;
        if (d == null) {
            throw new IllegalStateException("this server runs no DHCP: enroll the HPC where its addresses are handed out");
        }
        d.enroll(r);
        log.info("HPC {} enrolled{}{}", r.mac(), r.address().map(a -> " at " + a.getHostAddress()).orElse(" (pool address)"),
                r.hostname().map(h -> " as " + h).orElse(""));
    }

    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("while stopping {}: {}", started.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
