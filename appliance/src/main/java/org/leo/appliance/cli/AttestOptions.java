package org.leo.appliance.cli;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.leo.attest.AttestationNode;
import org.leo.attest.action.HpcControls;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Policy;
import org.leo.attest.ca.ApplianceCa;
import org.leo.pxe.PxeServer;
import picocli.CommandLine.Option;

/**
 * The attestation options of {@code leo pxe serve}: with {@code --attest} the same process runs the
 * attestation server over the boot event log and lease table of the PXE server, and the boot
 * script tells the HPC's agent where it is and which CA to pin.
 */
public class AttestOptions {
    @Option(names = "--attest", defaultValue = "false",
            description = "Also run the attestation server: HPC agents enroll against this server's boot event log and "
                    + "are then challenged at random times (see docs/trust-model.md). The kernel command line gains "
                    + "leo.ca=SHA256 (the appliance CA the agent pins) and leo.attest=ENROLL-PORT:ATTEST-PORT.")
    boolean enabled;

    @Option(names = "--attest-enroll-port", paramLabel = "PORT", defaultValue = "7443",
            description = "The enrollment port (TLS; the agent shows a self-signed certificate). Default: ${DEFAULT-VALUE}.")
    int enrollPort;

    @Option(names = "--attest-port", paramLabel = "PORT", defaultValue = "7444",
            description = "The attestation port (mutual TLS with certificates from the appliance CA). Default: ${DEFAULT-VALUE}.")
    int attestPort;

    @Option(names = "--attest-policy", paramLabel = "FILE",
            description = "The attestation policy (docs/attestation-policy.sample lists every key). Default: built-in.")
    Path policy;

    @Option(names = "--attest-cert-lifetime", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Lifetime of an agent's client certificate; agents renew at two thirds of it. Default: ${DEFAULT-VALUE}.")
    long certificateLifetime;

    @Option(names = "--attest-max-boot-age", paramLabel = "SECONDS", defaultValue = "900",
            description = "How long after its boot script an HPC may enroll. Default: ${DEFAULT-VALUE}.")
    long maxBootAge;

    @Option(names = "--power", paramLabel = "MAC=KIND:ARGS", split = "\\s+",
            description = "How to power-cycle the HPC with that MAC (repeat per HPC; an HPC without one gets a failed, logged "
                    + "action, never another HPC's switch): qemu:SOCKET (a QEMU QMP monitor socket), ipmi:HOST,USER,PASSWORD-FILE "
                    + "(ipmitool lanplus), wol:BROADCAST-IPV4 (Wake-on-LAN: power on only).")
    List<String> power = new java.util.ArrayList<>();

    @Option(names = "--attest-ek-roots", paramLabel = "DIR",
            description = "Manufacturer CA certificates (PEM or DER files) that an HPC TPM's endorsement key certificate must chain to. "
                    + "Required by the policy's tpm.required=true (the default): an HPC then enrolls only with a measured boot "
                    + "checked by its own TPM, pinned per MAC with 'leo attest hpc enroll'. Default: none.")
    Path ekRoots;

    @Option(names = "--tpm", paramLabel = "ENDPOINT",
            description = "The Pi's TPM, which signs the attestation event log's head for remote verifiers: "
                    + "device:/dev/tpmrm0 on the Pi, swtpm:HOST:PORT for a software TPM. Default: none (no signed reports).")
    String tpm;

    @Option(names = "--cut-network", paramLabel = "MAC=KIND:IF", split = "\\s+",
            description = "How to cut the HPC with that MAC off (repeat per HPC): link:IF takes the Pi's interface IF down (the "
                    + "HPC's own link), nft:IF drops that MAC's frames on IF with an nftables table of its own (the rest of the "
                    + "segment stays up; an HPC that changes its MAC escapes it). Default: none (the action fails and is logged).")
    List<String> cutNetwork = new java.util.ArrayList<>();

    /** The CA directory inside the data directory. */
    static Path caDir(Path dataDir) {
        return dataDir.resolve("attest").resolve("ca");
    }

    /** Kernel arguments for the agent: where to enroll and which CA to pin. */
    String kernelArguments(Path dataDir) throws IOException {
        try {
            ApplianceCa ca = ApplianceCa.loadOrCreate(caDir(dataDir), Clock.systemUTC());
            return "leo.ca=" + ca.fingerprint() + " leo.attest=" + enrollPort + ":" + attestPort;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("appliance CA in " + caDir(dataDir) + ": " + e.getMessage(), e);
        }
    }

    /** What cannot start, said before any port opens: a policy that does not load, tpm.required=true without --attest-ek-roots. */
    java.util.Optional<String> problem() throws IOException {
        Policy p = policy();
        if (p.tpmRequired() && ekRoots == null) {
            return java.util.Optional.of("the attestation policy's tpm.required=true needs --attest-ek-roots DIR (the manufacturer CA"
                    + " certificates HPC EK certificates chain to); or set tpm.required=false in --attest-policy to enroll HPCs without a TPM");
        }
        return java.util.Optional.empty();
    }

    /** The policy, read once (the check before the ports open and the start use the same). */
    private Policy policy() throws IOException {
        if (loaded == null) {
            loaded = policy == null ? Policy.defaults() : Policy.load(policy);
        }
        return loaded;
    }

    private Policy loaded;

    /** The policy as its file says now (SIGHUP), read again: the built-in one without --attest-policy. */
    Policy reread() throws IOException {
        return policy == null ? Policy.defaults() : Policy.load(policy);
    }

    /** Starts the attestation ports on {@code host}, bound to {@code device} (the HPC interface) when there is one. */
    AttestationNode start(PxeServer pxe, Path dataDir, String host, java.util.Optional<String> device, MeterRegistry registry) throws Exception {
        Policy p = policy();
        AttestationNode.Config c = new AttestationNode.Config(dataDir.resolve("attest"), new InetSocketAddress(host, enrollPort),
                new InetSocketAddress(host, attestPort), List.of(host), p, Duration.ofSeconds(certificateLifetime),
                pxe.bootArtifactSets(), Duration.ofSeconds(maxBootAge),
                tpm == null || tpm.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(org.leo.protocol.tpm.TpmEndpoint.parse(tpm)),
                java.util.Optional.ofNullable(ekRoots), device);
        HpcControls controls = HpcControls.parse(power, cutNetwork);
        return AttestationNode.start(c, pxe.events()::latestBoot, pxe.clients(), pxe.manifest(), ServedImageExpectation.of(pxe),
                controls.power(), controls.network(),
                TaskControl.NONE, Clock.systemUTC(), registry);
    }
}
