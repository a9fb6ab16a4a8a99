package org.leo.appliance.cli;

import org.leo.appliance.service.Enrollment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.leo.appliance.gateway.EgressWatch;
import org.leo.appliance.gateway.GatewayFindings;
import org.leo.appliance.gateway.GatewayRuleset;
import org.leo.appliance.gateway.Nft;
import org.leo.appliance.service.ApplianceParts;
import org.leo.pxe.PxeConfig;
import org.leo.pxe.PxeServer;
import org.leo.pxe.dhcp.AddressPool;
import org.leo.pxe.dhcp.BootFileNames;
import org.leo.pxe.dhcp.DhcpConfig;
import org.leo.pxe.dhcp.Reservation;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.manifest.IpxeScriptConfig;
import org.leo.pxe.tftp.TftpConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code leo pxe serve}: DHCP + TFTP + HTTP boot of the measured image, until stopped. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        headerHeading = "%n",
        header = "Serve the measured HPC boot image over DHCP, TFTP and HTTP until stopped.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Runs the boot server of the HPC segment. An enrolled HPC (see --enroll) that network-boots gets an "
                + "address and an iPXE boot file by DHCP; iPXE then fetches a per-boot script that loads the kernel "
                + "and initramfs over TFTP or HTTP (see --boot-mode). The script puts a fresh boot nonce on the kernel "
                + "command line (leo.nonce=...) that binds the booted HPC to this boot.",
            "",
            "Only files listed in the signed boot manifest are served. The manifest's signature is checked at start "
                + "(the server refuses to start if it does not verify); each file is hashed when it is loaded and "
                + "served from that verified copy, and re-verified when it changes on disk: a file whose bytes no "
                + "longer match is refused, and the refusal is logged. Unknown MACs get no DHCP offer.",
            "",
            "Every DHCP step and every file served or refused goes to the boot event log (SQLite, in --data-dir), "
                + "which 'leo pxe events' prints. Leases are written to disk before they are acknowledged, so a "
                + "restart or a crash loses none.",
            "",
            "Options can also come from the appliance's configuration: /etc/leo/leo.properties and its drop-ins "
                + "/etc/leo/leo.properties.d/*.properties (or the file named by LEO_CONFIG), with one 'option-name=value' "
                + "line per option (e.g. 'interface=eth1'); the command line wins. 'leo config check' checks them.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:stopped by a signal (SIGTERM, SIGINT)",
            "1:could not start (bad manifest, port in use, missing permission); the message says which",
            "2:invalid options"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  leo pxe serve --interface eth1 --enroll 52:54:00:77:00:10=10.77.0.10",
            "  leo pxe serve --interface eth1 --proxy-dhcp --boot-mode http",
            "  leo pxe serve --no-dhcp --address 127.0.0.1 --tftp-port 6969 --http-port 8080"},
        defaultValueProvider = LeoConfigFile.class)
public class PxeServeCommand implements Callable<Integer> {
    /** The signals that stop the server cleanly with exit status 0. */
    private static final List<String> STOP_SIGNALS = List.of("TERM", "INT");

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    AttestOptions attest = new AttestOptions();

    @picocli.CommandLine.Mixin
    FleetOptions fleet = new FleetOptions();

    /** Set by {@link ServeCommand#assumeEmbeddedTpm()}: without --tpm, a TPM is chosen at start (leo config check). */
    boolean tpmChosenAtStart;

    @Option(names = "--interface", paramLabel = "IF",
            description = "The HPC-facing network interface. DHCP, TFTP, HTTP, the attestation ports (with --attest) and the IPv6 "
                    + "RA responder bind to it, and "
                    + "a boot file request is served only if the neighbour table on it maps the sender's address to the "
                    + "MAC holding its lease; the server address defaults to its first IPv4 address. Without it nothing "
                    + "is bound to an interface and requests are not checked.")
    String interfaceName;

    @Option(names = "--address", paramLabel = "IPV4",
            description = "This server's address on the HPC segment: DHCP server id, next-server, router, and the "
                    + "address TFTP and HTTP listen on. Default: the first IPv4 address of --interface.")
    String address;

    @Option(names = "--boot-root", paramLabel = "DIR", defaultValue = "/var/lib/leo/boot",
            description = "The directory of boot files the manifest describes. Default: ${DEFAULT-VALUE}.")
    Path bootRoot;

    @Option(names = "--manifest", paramLabel = "FILE", defaultValue = "/var/lib/leo/boot.manifest",
            description = "The signed boot manifest ('leo pxe manifest create'). Default: ${DEFAULT-VALUE}.")
    Path manifest;

    @Option(names = "--public-key", paramLabel = "FILE", defaultValue = "/etc/leo/boot-manifest.pub",
            description = "The appliance's Ed25519 public key the manifest must verify against. Default: ${DEFAULT-VALUE}.")
    Path publicKey;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
            description = "Where the lease table (" + PxeConfig.LEASES_FILE + ") and the boot event log ("
                    + PxeConfig.EVENTS_FILE + ") live. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--enroll", paramLabel = "MAC[=IPV4[,HOSTNAME]]", split = "\\s+",
            description = "An enrolled HPC: only these MACs boot. With an address it is reserved; without one the "
                    + "HPC gets an address from --pool. Repeat for each HPC (in the config file: separate them "
                    + "with spaces).")
    List<String> enroll = new ArrayList<>();

    @Option(names = "--pool", paramLabel = "FIRST-LAST",
            description = "Addresses for enrolled HPCs without a reserved address, e.g. 10.77.0.100-10.77.0.150.")
    String pool;

    @Option(names = "--serve-unknown", defaultValue = "false",
            description = "Also lease pool addresses to MACs that are not enrolled. For lab use and load tests only: "
                    + "it lets any machine on the segment boot the image.")
    boolean serveUnknown;

    @Option(names = "--subnet-mask", paramLabel = "MASK", defaultValue = "255.255.255.0",
            description = "DHCP option 1. Default: ${DEFAULT-VALUE}.")
    String subnetMask;

    @Option(names = "--router", paramLabel = "IPV4",
            description = "DHCP option 3. Default: this server's address (the Pi is the HPC's gateway).")
    String router;

    @Option(names = "--dns", paramLabel = "IPV4", split = ",", description = "DHCP option 6 (comma-separated). Default: none.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--lease-time", paramLabel = "SECONDS", defaultValue = "3600",
            description = "DHCP lease time. Default: ${DEFAULT-VALUE}.")
    long leaseSeconds;

    @Option(names = "--proxy-dhcp", defaultValue = "false",
            description = "proxyDHCP mode, for sites that keep their own DHCP server: hand out no addresses, answer "
                    + "only PXE clients with boot information on the DHCP port and on --proxy-port.")
    boolean proxyDhcp;

    @Option(names = "--boot-mode", paramLabel = "tftp|http", defaultValue = "tftp",
            description = "How iPXE fetches its script, kernel and initramfs. Default: ${DEFAULT-VALUE}.")
    String bootMode;

    @Option(names = "--kernel", paramLabel = "NAME", defaultValue = "vmlinuz",
            description = "The kernel's name in the boot root. Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--initrd", paramLabel = "NAME", defaultValue = "initrd.img",
            description = "The initramfs's name in the boot root. Default: ${DEFAULT-VALUE}.")
    String initrd;

    @Option(names = "--cmdline", paramLabel = "ARGS", defaultValue = "console=ttyS0",
            description = "Further kernel arguments (leo.nonce, leo.server and initrd= are always added). "
                    + "Default: ${DEFAULT-VALUE}.")
    String cmdline;

    @Option(names = "--script-name", paramLabel = "NAME", defaultValue = "boot.ipxe",
            description = "The name under which iPXE asks for its per-boot script. Default: ${DEFAULT-VALUE}.")
    String scriptName;

    @Option(names = "--bios-bootfile", paramLabel = "NAME", defaultValue = "undionly.kpxe",
            description = "What a BIOS PXE ROM (arch 0) that is not iPXE yet gets. Default: ${DEFAULT-VALUE}.")
    String biosBootfile;

    @Option(names = "--efi-bootfile", paramLabel = "NAME", defaultValue = "ipxe.efi",
            description = "What x86-64 UEFI firmware (arch 7, 9) gets. Default: ${DEFAULT-VALUE}.")
    String efiBootfile;

    @Option(names = "--arm64-bootfile", paramLabel = "NAME", defaultValue = "ipxe-arm64.efi",
            description = "What arm64 UEFI firmware (arch 11) gets. Default: ${DEFAULT-VALUE}.")
    String arm64Bootfile;

    @Option(names = "--dhcp-port", paramLabel = "PORT", defaultValue = "67", description = "Default: ${DEFAULT-VALUE}.")
    int dhcpPort;

    @Option(names = "--proxy-port", paramLabel = "PORT", defaultValue = "4011",
            description = "The PXE boot server port of proxyDHCP. Default: ${DEFAULT-VALUE}.")
    int proxyPort;

    @Option(names = "--dhcp-client-port", paramLabel = "PORT", defaultValue = "68",
            description = "Where DHCP replies go. Default: ${DEFAULT-VALUE}.", hidden = true)
    int dhcpClientPort;

    @Option(names = "--tftp-port", paramLabel = "PORT", defaultValue = "69", description = "Default: ${DEFAULT-VALUE}.")
    int tftpPort;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "80", description = "Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--tftp-max-blksize", paramLabel = "BYTES", defaultValue = "65464",
            description = "Largest TFTP block size granted (RFC 2348, 8..65464). Default: ${DEFAULT-VALUE}.")
    int tftpMaxBlksize;

    @Option(names = "--tftp-max-windowsize", paramLabel = "BLOCKS", defaultValue = "64",
            description = "Largest TFTP window granted (RFC 7440). Default: ${DEFAULT-VALUE}.")
    int tftpMaxWindowsize;

    @Option(names = "--tftp-max-transfers-per-client", paramLabel = "N", defaultValue = "4",
            description = "TFTP transfers one client address may run at once; more get ERROR 0 'too many transfers from "
                    + "this address'. A boot needs one at a time. Default: ${DEFAULT-VALUE}.")
    int tftpMaxPerClient;

    @Option(names = "--busy-poll", paramLabel = "MICROS", defaultValue = "50",
            description = "Adaptive polling window. Lock-step TFTP (what PXE ROMs and iPXE use) is one round trip "
                    + "per block, so waking a sleeping thread for every ACK slows it down. While the recent packets "
                    + "of a loop arrived within MICROS of it going idle, it polls for up to MICROS instead of "
                    + "sleeping; when the peer is slower (a LAN round trip, a VM that needs the CPU) it sleeps at "
                    + "once, as with 0. Measured here, 64 MiB lock-step on loopback: 1.02 s polling against 1.3 s "
                    + "for tftpd-hpa. 0 always sleeps. Default: ${DEFAULT-VALUE}.")
    long busyPollMicros;

    @Option(names = "--no-warmup", defaultValue = "false",
            description = "Do not warm up at start. Normally the server first serves DHCP, TFTP and HTTP to itself on "
                    + "private loopback sockets for 3 to 5 s, then waits for the JIT compiler to finish, so the first "
                    + "HPC is served by compiled code and does not share the cores with the compiler.")
    boolean noWarmup;

    @Option(names = "--no-dhcp", defaultValue = "false", description = "Do not run DHCP (another server hands out addresses).")
    boolean noDhcp;

    @Option(names = "--no-tftp", defaultValue = "false", description = "Do not run TFTP.")
    boolean noTftp;

    @Option(names = "--no-http", defaultValue = "false", description = "Do not run HTTP boot.")
    boolean noHttp;

    @Option(names = "--no-ra", defaultValue = "false",
            description = "Do not answer IPv6 Router Solicitations on --interface (iPXE then waits ~16 s for IPv6).")
    boolean noRa;

    @Option(names = "--gateway-watch", paramLabel = "SECONDS", defaultValue = "5",
            description = "With --attest: how often the HPC gateway's attempt sets are read (the nftables table inet leo of 'leo gateway "
                    + "apply'; docs/gateway.md). What an HPC was blocked from since the last reading becomes a finding about it "
                    + "(network.egress.blocked). Read only if the table is there when the server starts. 0: never. "
                    + "Default: ${DEFAULT-VALUE}.")
    int gatewayWatchSeconds;

    @Override
    public Integer call() throws Exception {
        PxeConfig config = toConfig();

        MeterRegistry registry = registry();
        CountDownLatch stopped = new CountDownLatch(1);
        try (PxeServer server = new PxeServer(config, registry)) {
            org.leo.attest.AttestationNode node = null;
            FleetOptions.Running consensus = null;
            EgressWatch watch = null;
            List<Reservation> enrolled = reservations();
            try {
                server.start();
                if (attest.enabled) {
                    node = attest.start(server, dataDir, config.script().serverHost(), Optional.ofNullable(interfaceName), registry);
                    watch = gatewayWatch(node);
                }
                if (fleet.enabled) {
                    consensus = fleet.start(node, dataDir, enrolled.stream().map(Reservation::mac).collect(java.util.stream.Collectors.toSet()),
                            registry);
                }
                started(new ApplianceParts(server, dataDir, enrolled.stream().map(Reservation::mac).toList(), Optional.ofNullable(node),
                        Optional.ofNullable(consensus).map(FleetOptions.Running::appliance), Optional.ofNullable(consensus).map(FleetOptions.Running::ledger),
                        java.time.Instant.now(), inUse(consensus)));
            } catch (Exception e) {
                System.err.println(name() + ": " + e.getMessage());
                closeQuietly(watch);
                closeQuietly(consensus);
                closeQuietly(node);
                return 1;
            }
            org.leo.attest.AttestationNode attestation = node;
            FleetOptions.Running fleetService = consensus;
            EgressWatch gateway = watch;
            Thread hook = new Thread(() -> {
                stopping();
                closeQuietly(gateway);
                if (fleetService != null) {
                    try {
                        fleetService.close();
                    } catch (Exception e) {
                        System.err.println(name() + ": stopping the consensus service: " + e.getMessage());
                    }
                }
                if (attestation != null) {
                    try {
                        attestation.close();
                    } catch (Exception e) {
                        System.err.println(name() + ": stopping attestation: " + e.getMessage());
                    }
                }
                server.close();
                stopped.countDown();
            }, "leo-pxe-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            handleStopSignals(stopped);
            System.out.println(name() + ": ready");
            stopped.await();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
                stopping();
                closeQuietly(gateway);
                if (fleetService != null) {
                    fleetService.close();
                }
                if (attestation != null) {
                    attestation.close();
                }
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (another signal): the hook closes the server
            }
        }
        return 0;
    }

    /** How the command names itself in its messages. */
    String name() {
        return "leo pxe serve";
    }

    /** Where every component's meters go. {@code leo serve} hands them to the Prometheus endpoint. */
    MeterRegistry registry() {
        return new SimpleMeterRegistry();
    }

    /** Called once everything has started, before "ready" is printed: {@code leo serve} publishes the parts to its web layer. */
    void started(ApplianceParts parts) {
    }

    /** Called first when the server stops (by a signal), before the parts close. */
    void stopping() {
    }

    /** The Pi's TPM as the banner names it. */
    String tpmInUse() {
        return attest.tpm == null || attest.tpm.isBlank() ? "none (reports are not signed)" : attest.tpm;
    }

    /** The embedded defaults and endpoints in use, for the start-up banner. */
    private List<String> inUse(FleetOptions.Running consensus) {
        List<String> out = new ArrayList<>();
        out.add("store: SQLite under " + dataDir.toAbsolutePath() + " (leases, boot events" + (attest.enabled ? ", attestation log" : "") + ")");
        if (consensus != null) {
            out.add("ledger: " + (fleet.evm.enabled() ? fleet.evm.describe() : "embedded, " + dataDir.resolve(LedgerCommand.FILE).toAbsolutePath()));
        }
        out.add("TPM: " + tpmInUse());
        return out;
    }

    /**
     * The HPC gateway's blocked attempts as findings (docs/gateway.md): read every --gateway-watch seconds if the table
     * inet leo is readable now; otherwise said once, and nothing is read.
     */
    private EgressWatch gatewayWatch(org.leo.attest.AttestationNode node) {
        if (gatewayWatchSeconds <= 0) {
            return null;
        }
        Nft nft = Nft.here();
        try {
            nft.listTable();
        } catch (java.io.IOException e) {
            System.out.println(name() + ": gateway: table inet " + GatewayRuleset.TABLE + " not read ("
                    + e.getMessage() + "); blocked attempts from the HPC segment are not findings ('leo gateway apply' loads it)");
            return null;
        }
        System.out.println(name() + ": gateway: blocked attempts from the HPC segment become findings (table inet "
                + GatewayRuleset.TABLE + ", read every " + gatewayWatchSeconds + " s)");
        return EgressWatch.start(nft, Duration.ofSeconds(gatewayWatchSeconds),
                new GatewayFindings(node.engine()));
    }

    private void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println(name() + ": " + e.getMessage());
            }
        }
    }

    /**
     * SIGTERM and SIGINT stop the server and let {@link #call()} return 0, as the exit status list
     * promises. Left to the JVM they would start its shutdown sequence instead: the hook above still
     * closes the server, but the process then exits 128+signal (143 for SIGTERM), which a supervisor
     * reads as a failure. Where the JVM keeps a signal to itself (-Xrs), the shutdown hook stays the fallback.
     */
    private void handleStopSignals(CountDownLatch stopped) {
        for (String name : STOP_SIGNALS) {
            try {
                Signal.handle(new Signal(name), s -> {
                    System.out.println(name() + ": stopping on SIG" + s.getName());
                    stopped.countDown();
                });
            } catch (IllegalArgumentException e) {
                System.err.println(name() + ": cannot handle SIG" + name + " (" + e.getMessage()
                        + "); it will stop the server through the JVM's shutdown instead");
            }
        }
    }

    /** Turns the options into the library configuration, naming both options of any invalid combination. */
    PxeConfig toConfig() {
        if (attest.enabled) { // an invalid attestation set-up is refused before any port opens
            java.util.Optional<String> problem;
            try {
                problem = attest.problem();
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw usage("--attest-policy: " + e.getMessage());
            }
            if (problem.isPresent()) {
                throw usage(problem.get());
            }
        }
        if (fleet.enabled) {
            fleet.problem(attest.enabled, tpmChosenAtStart || (attest.tpm != null && !attest.tpm.isBlank())).ifPresent(p -> {
                throw usage(p);
            });
        }
        Inet4Address server = serverAddress();
        if (proxyDhcp && noDhcp) {
            throw usage("--proxy-dhcp and --no-dhcp contradict each other");
        }
        if (!"tftp".equals(bootMode) && !"http".equals(bootMode)) {
            throw usage("--boot-mode must be tftp or http, not '" + bootMode + "'");
        }
        if ("http".equals(bootMode) && noHttp) {
            throw usage("--boot-mode http needs HTTP boot, but --no-http is set");
        }
        if ("tftp".equals(bootMode) && noTftp) {
            throw usage("--boot-mode tftp needs TFTP, but --no-tftp is set");
        }
        if (!noDhcp && !proxyDhcp && enroll.isEmpty() && !serveUnknown) {
            throw usage("DHCP would answer nobody: enroll HPCs with --enroll, or use --no-dhcp or --serve-unknown");
        }
        if (serveUnknown && pool == null) {
            throw usage("--serve-unknown needs --pool to lease from");
        }
        Optional<DhcpConfig> dhcp = Optional.empty();
        if (!noDhcp) {
            DhcpConfig.Builder b = DhcpConfig.builder(server)
                    .interfaceName(interfaceName)
                    .subnetMask(ipv4(subnetMask, "--subnet-mask"))
                    .router(router == null ? server : ipv4(router, "--router"))
                    .dns(dns.stream().map(d -> ipv4(d, "--dns")).toList())
                    .leaseTime(Duration.ofSeconds(leaseSeconds))
                    .reservations(reservations())
                    .serveUnknownClients(serveUnknown)
                    .bootFiles(new BootFileNames(scriptName, biosBootfile, efiBootfile, arm64Bootfile))
                    .httpPort(httpPort)
                    .httpMode("http".equals(bootMode))
                    .proxyMode(proxyDhcp)
                    .serverPort(dhcpPort)
                    .proxyPort(proxyPort)
                    .clientPort(dhcpClientPort);
            if (pool != null) {
                b.pool(parsePool(pool));
            }
            dhcp = Optional.of(b.build());
        }
        if (tftpMaxPerClient < 1) {
            throw usage("--tftp-max-transfers-per-client must be at least 1, not " + tftpMaxPerClient);
        }
        Optional<TftpConfig> tftp = noTftp ? Optional.empty() : Optional.of(TftpConfig.defaults(server)
                .withPort(tftpPort).withMaxBlksize(tftpMaxBlksize).withMaxWindowsize(tftpMaxWindowsize)
                .withMaxTransfersPerClient(tftpMaxPerClient));
        Optional<HttpBootConfig> http = noHttp ? Optional.empty()
                : Optional.of(HttpBootConfig.of(new java.net.InetSocketAddress(server, httpPort)));
        String args = cmdline;
        if (attest.enabled) {
            try {
                args = (cmdline + " " + attest.kernelArguments(dataDir)).trim();
            } catch (java.io.IOException e) {
                throw usage("--attest: " + e.getMessage());
            }
        }
        IpxeScriptConfig script = new IpxeScriptConfig(scriptName, server.getHostAddress(), httpPort, kernel, initrd, args);
        try {
            return new PxeConfig(bootRoot, manifest, publicKey, dataDir, dhcp, tftp, http, script,
                    noRa || interfaceName == null ? Optional.empty() : Optional.of(interfaceName),
                    Duration.ofNanos(busyPollMicros * 1000), !noWarmup, Optional.ofNullable(interfaceName));
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private Inet4Address serverAddress() {
        if (address != null) {
            return ipv4(address, "--address");
        }
        if (interfaceName == null) {
            throw usage("say where to serve: --interface IF, or --address IPV4");
        }
        try {
            NetworkInterface nif = NetworkInterface.getByName(interfaceName);
            if (nif == null) {
                throw usage("--interface " + interfaceName + ": no such interface");
            }
            for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                if (a.getAddress() instanceof Inet4Address v4) {
                    return v4;
                }
            }
            throw usage("--interface " + interfaceName + " has no IPv4 address; give one with --address");
        } catch (SocketException e) {
            throw usage("--interface " + interfaceName + ": " + e.getMessage());
        }
    }

    /** The enrolled HPCs: --enroll's, then those enrolled from the dashboard (DATA-DIR/enrolled), which win for their MAC. */
    List<Reservation> reservations() {
        java.util.Map<org.leo.boot.net.MacAddress, Reservation> out = new java.util.LinkedHashMap<>();
        for (String e : enroll) {
            try {
                Reservation r = Enrollment.parse(e);
                out.put(r.mac(), r);
            } catch (IllegalArgumentException ex) {
                throw usage("--enroll " + e + ": " + ex.getMessage());
            }
        }
        try {
            Enrollment.kept(dataDir).forEach(r -> out.put(r.mac(), r));
        } catch (java.io.IOException | IllegalArgumentException ex) {
            throw usage(dataDir.resolve(Enrollment.FILE) + ": " + ex.getMessage());
        }
        return new ArrayList<>(out.values());
    }

    private AddressPool parsePool(String text) {
        int dash = text.indexOf('-');
        if (dash < 0) {
            throw usage("--pool " + text + ": expected FIRST-LAST");
        }
        try {
            return new AddressPool(ipv4(text.substring(0, dash), "--pool"), ipv4(text.substring(dash + 1), "--pool"));
        } catch (IllegalArgumentException e) {
            throw usage("--pool " + text + ": " + e.getMessage());
        }
    }

    private Inet4Address ipv4(String text, String option) {
        return Enrollment.ipv4(text).orElseThrow(() -> usage(option + " " + text + ": not an IPv4 address"));
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
