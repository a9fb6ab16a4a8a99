package org.leo.appliance.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.nio.file.Path;
import org.eclipse.microprofile.config.ConfigProvider;
import org.leo.appliance.service.ApplianceHolder;
import org.leo.appliance.service.ApplianceParts;
import org.leo.appliance.service.EmbeddedTpm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code leo serve}: the appliance as a service. Everything {@code leo pxe serve} runs (boot serving, and with its
 * options attestation, the consensus service and trusted tasks), plus the operator's HTTP port: the dashboard, the
 * JSON API, health checks and Prometheus metrics.
 */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        headerHeading = "%n",
        header = "Run the appliance: boot serving, attestation, consensus and tasks, with the dashboard, API, health and metrics.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "The long-running appliance service (systemd runs it as 'leo serve'). It runs what 'leo pxe serve' runs, with the "
                + "same options (see 'leo pxe serve --help' for each), and opens the operator's HTTP port (--web-port) with:",
            "",
            "  /                  the operator dashboard (log in with a user of --users)",
            "  /api/...           the JSON API the dashboard uses, for scripts too (HTTP basic or the dashboard's session);",
            "                     /openapi.yaml describes it",
            "  /q/health/live     liveness; /q/health/ready: readiness, per component (pxe, attestation, consensus, ledger)",
            "  /metrics           Prometheus metrics (boots by stage, bytes served, refusals by reason, challenges,",
            "                     verdicts by severity, certificate latency, ledger lag)",
            "",
            "Health and metrics need no login; everything under /api does, with the role 'viewer' to read and 'operator' to "
                + "act (power-cycle, quarantine, enroll). Users and their hashed passwords are in --users ('leo user add'). "
                + "Requests from the HPC segment (--interface) are refused: the HPC side never reaches the operator's port.",
            "",
            "Options come from /etc/leo/leo.properties and its drop-in directory too; the command line wins.",
        },
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:stopped by a signal (SIGTERM, SIGINT)",
            "1:could not start (bad manifest, port in use, missing permission); the message says which",
            "2:invalid options"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  leo serve --interface eth1 --enroll 52:54:00:77:00:10=10.77.0.10 --attest --tpm device:/dev/tpmrm0",
            "  leo serve --web-port 9080 --web-address 192.168.1.20 ..."},
        defaultValueProvider = LeoConfigFile.class)
@Dependent
@Unremovable
@Typed(ServeCommand.class) // not a PxeServeCommand bean: 'leo pxe serve' must get its own class, without the web port
public class ServeCommand extends PxeServeCommand {
    /** The operator port when none is configured. */
    public static final int DEFAULT_WEB_PORT = 8080;

    @Option(names = "--web-port", paramLabel = "PORT", defaultValue = "" + DEFAULT_WEB_PORT,
            description = "The operator's HTTP port: dashboard, API, health, metrics. 0 picks a free port (the banner "
                    + "says which). Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--web-address", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "The address the operator's port listens on. Requests from the HPC segment are refused whatever "
                    + "it is. Default: ${DEFAULT-VALUE} (every address).")
    String webAddress;

    @Option(names = "--users", paramLabel = "FILE", defaultValue = "/etc/leo/users",
            description = "The dashboard's and API's users: one 'name:role[,role]:hash' line each, written by 'leo user add'. "
                    + "Read again when it changes. Default: ${DEFAULT-VALUE}.")
    Path users;

    @Inject
    MeterRegistry meters;

    @Inject
    ApplianceHolder holder;

    @Override
    String name() {
        return "leo serve";
    }

    @Override
    public Integer call() throws Exception {
        // said first, so an operator (or a test) can watch readiness go from DOWN to UP while the parts start
        String port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", String.class).orElse("?");
        String host = ConfigProvider.getConfig().getOptionalValue("quarkus.http.host", String.class).orElse(webAddress);
        System.out.println("leo serve: operator port http://" + host + ":" + port + "/ (dashboard, /api, /q/health, /metrics)");
        if ((attest.enabled || fleet.enabled) && (attest.tpm == null || attest.tpm.isBlank())) {
            // embedded default: the Pi's TPM device, else a swtpm of our own over DATA-DIR/swtpm
            try {
                EmbeddedTpm.Choice c = EmbeddedTpm.choose(dataDir);
                attest.tpm = c.endpoint().orElse(null);
                tpmBanner = c.banner();
                embeddedTpm = c.started().orElse(null);
            } catch (java.io.IOException e) {
                System.err.println("leo serve: no --tpm given and " + e.getMessage());
                return 1;
            }
        }
        holder.useUsers(users); // before the parts start: sessions and logins are checked against --users, not the default file
        try {
            holder.useSessions(org.leo.appliance.service.SessionGeneration.open(dataDir));
        } catch (java.io.IOException e) {
            System.err.println("leo serve: cannot keep the session key in " + dataDir + ": " + e.getMessage());
            return 1;
        }
        Thread stopTpm = new Thread(this::stopEmbeddedTpm, "leo-swtpm-stop");
        Runtime.getRuntime().addShutdownHook(stopTpm);
        try {
            return super.call();
        } finally {
            stopEmbeddedTpm();
            try {
                Runtime.getRuntime().removeShutdownHook(stopTpm);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway
            }
        }
    }

    /**
     * For {@code leo config check}, which does not start anything: without --tpm this command uses the Pi's TPM device,
     * else a swtpm of its own ({@link EmbeddedTpm}); the options' checks count a TPM if either is there.
     */
    void assumeEmbeddedTpm() {
        tpmChosenAtStart = (attest.tpm == null || attest.tpm.isBlank()) && EmbeddedTpm.available();
    }

    private String tpmBanner;
    private EmbeddedTpm embeddedTpm;

    private synchronized void stopEmbeddedTpm() {
        if (embeddedTpm != null) {
            embeddedTpm.close();
            embeddedTpm = null;
        }
    }

    @Override
    String tpmInUse() {
        return tpmBanner != null ? tpmBanner : super.tpmInUse();
    }

    @Override
    MeterRegistry registry() {
        return meters;
    }

    @Override
    void started(ApplianceParts parts) {
        holder.publish(parts, hpcSegment(), meters);
        // systemctl reload sends SIGHUP; left to the JVM it would stop the service
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> reload(parts));
        } catch (IllegalArgumentException e) {
            System.err.println("leo serve: cannot handle SIGHUP (" + e.getMessage() + ")");
        }
        for (String line : parts.defaults()) {
            System.out.println("leo serve: " + line);
        }
    }

    /**
     * SIGHUP (systemctl reload): reads the configuration (file, drop-ins, this command line) and DATA-DIR/enrolled again
     * and enrolls the HPCs that are new or changed, and reads the attestation policy again and puts it in force (unless
     * it fails to load or changes what takes a restart: then the policy in force stays, and the reason is printed); the
     * users file and the fleet's peer list are re-read as they change anyway. What cannot change while running (an HPC
     * taken out, ports, the policy's disks, memory regions and tpm.required) is named: it takes a restart.
     */
    void reload(ApplianceParts parts) {
        try {
            ServeCommand now = new ServeCommand();
            java.util.List<String> all = spec.commandLine().getParseResult().originalArgs(); // "serve" and its options
            new picocli.CommandLine(now).parseArgs(all.subList(all.indexOf("serve") + 1, all.size()).toArray(String[]::new));
            java.util.Set<org.leo.boot.net.MacAddress> enrolled = parts.pxe().enrolled();
            java.util.Map<org.leo.boot.net.MacAddress, org.leo.pxe.dhcp.Reservation> current = parts.pxe().dhcpConfig()
                    .map(c -> c.reservations()).orElse(java.util.Map.of());
            int added = 0;
            for (org.leo.pxe.dhcp.Reservation r : now.reservations()) {
                if (!r.equals(current.get(r.mac()))) {
                    parts.pxe().enroll(r);
                    added++;
                }
            }
            java.util.List<String> gone = enrolled.stream().filter(m -> now.reservations().stream().noneMatch(r -> r.mac().equals(m)))
                    .map(Object::toString).sorted().toList();
            System.out.println("leo serve: SIGHUP: configuration read again; " + added + " HPC(s) enrolled or changed"
                    + (gone.isEmpty() ? "" : "; no longer configured but served until a restart: " + String.join(" ", gone))
                    + "; ports take effect at a restart (systemctl restart leo)");
            parts.attestation().ifPresent(a -> reloadPolicy(now, a));
        } catch (RuntimeException e) {
            System.out.println("leo serve: SIGHUP: the configuration was not applied: " + e.getMessage());
        }
    }

    private static void reloadPolicy(ServeCommand now, org.leo.attest.AttestationNode a) {
        try {
            java.util.List<String> changed = a.engine().reload(now.attest.reread());
            System.out.println("leo serve: SIGHUP: attestation policy " + (changed.isEmpty() ? "unchanged"
                    : "reloaded, in force from the next challenge: " + String.join(", ", changed) + " changed"));
        } catch (java.io.IOException | RuntimeException e) {
            System.out.println("leo serve: SIGHUP: the attestation policy in force stays: " + e.getMessage());
        }
    }

    @Override
    void stopping() {
        holder.withdraw();
    }

    /** The HPC-facing interface, whose segment never reaches the operator's port. */
    java.util.Optional<String> hpcSegment() {
        return java.util.Optional.ofNullable(interfaceName);
    }
}
