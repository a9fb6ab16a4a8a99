package org.leo.appliance.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.boot.net.MacAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo attest hpc list|enroll}: the TPMs HPCs showed, and pinning one as an HPC's TPM. */
@Command(name = "hpc",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "List the TPMs HPCs showed when they enrolled, and pin one as an HPC's TPM.",
        descriptionHeading = "%nDescription:%n",
        description = {"With the attestation policy's tpm.required=true an HPC enrolls only with a measured boot checked by its own "
                + "TPM, and only with the TPM the operator pinned for its MAC: the endorsement key (EK, certified by the TPM's "
                + "manufacturer) and the attestation key (AK) bound to it. The first time an HPC enrolls it is refused, and the "
                + "TPM it showed is kept; 'leo attest hpc list' shows it, 'leo attest hpc enroll' pins it once the EK fingerprint "
                + "was checked out of band (on the HPC's TPM, or the manufacturer's record).",
                "",
                "Subcommands: list, enroll."},
        subcommands = {AttestHpcCommand.List.class, AttestHpcCommand.Enroll.class},
        footerHeading = "%nExamples:%n",
        footer = {"  leo attest hpc list --data-dir /var/lib/leo",
                "  leo attest hpc enroll --mac 52:54:00:77:00:10 --ek-sha256 5f2c...e1 --data-dir /var/lib/leo"})
public class AttestHpcCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("leo attest hpc: give a subcommand (list, enroll); --help says more");
        return 2;
    }

    static EnrollmentStore store(Path dataDir) throws Exception {
        Path db = dataDir.resolve("attest").resolve("enroll.db");
        if (!Files.exists(db)) {
            throw new IllegalStateException("no enrollment store at " + db + " (has leo pxe serve --attest run with --data-dir " + dataDir + "?)");
        }
        return EnrollmentStore.open(db);
    }

    static java.security.cert.X509Certificate readCertificate(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(bytes));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "Print the pinned TPMs, then the TPMs HPCs showed.",
            description = {"With --json: {pinned: [{hpc, ekSha256, akName, at, by}], seen: [{hpc, ekSha256, akName, at, by, state}]}, "
                + "state being 'pinned', 'not pinned' or 'differs from the pin'."})
    static class List implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo", description = "The appliance's data directory. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @picocli.CommandLine.Mixin
        JsonOption output = new JsonOption();

        /** One TPM in the {@code --json} document ({@code state} only for the seen ones). */
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        record Tpm(String hpc, String ekSha256, String akName, String at, String by, String state) { }

        /** The {@code --json} document. */
        record Tpms(java.util.List<Tpm> pinned, java.util.List<Tpm> seen) { }

        @Override
        public Integer call() throws Exception {
            try (EnrollmentStore s = store(dataDir)) {
                if (output.json) {
                    java.util.List<Tpm> pinned = s.tpms(true).stream().map(p -> new Tpm(p.hpc(), p.ekSha256(), p.akName(), p.at().toString(), p.by(), null)).toList();
                    java.util.List<Tpm> seen = new java.util.ArrayList<>();
                    for (EnrollmentStore.TpmPin p : s.tpms(false)) {
                        seen.add(new Tpm(p.hpc(), p.ekSha256(), p.akName(), p.at().toString(), p.by(), state(s, p).toLowerCase(java.util.Locale.ROOT)));
                    }
                    Json.print(new Tpms(pinned, seen));
                    return 0;
                }
                System.out.println("pinned:");
                for (EnrollmentStore.TpmPin p : s.tpms(true)) {
                    System.out.printf("  %s  ek-sha256 %s  ak %s  pinned %s by %s%n", p.hpc(), p.ekSha256(), p.akName(), p.at(), p.by());
                }
                System.out.println("seen:");
                for (EnrollmentStore.TpmPin p : s.tpms(false)) {
                    System.out.printf("  %s  ek-sha256 %s  ak %s  seen %s  EK certificate by %s  (%s)%n", p.hpc(), p.ekSha256(), p.akName(),
                            p.at(), p.by(), state(s, p));
                }
            }
            return 0;
        }

        private static String state(EnrollmentStore s, EnrollmentStore.TpmPin p) throws java.sql.SQLException {
            Optional<EnrollmentStore.TpmPin> pin = s.pinnedTpm(p.hpc());
            return pin.isEmpty() ? "NOT PINNED" : pin.get().ekSha256().equals(p.ekSha256()) && pin.get().akName().equals(p.akName())
                    ? "pinned" : "DIFFERS FROM THE PIN";
        }
    }

    @Command(name = "enroll", mixinStandardHelpOptions = true,
            header = "Pin the TPM an HPC showed (or whose EK certificate you hold) as its TPM.",
            description = {"With --ek-sha256: pins the EK (and the AK bound to it) that the HPC with --mac showed at its last "
                    + "enrollment attempt, if its EK fingerprint is that one: the fingerprint is the operator's confirmation. "
                    + "With --ek-cert: pins the EK of that certificate (from the TPM's manufacturer, or read from the TPM before the "
                    + "HPC was installed) before the HPC ever booted; the first attestation key that then activates a credential "
                    + "under that EK is pinned with it.",
                    "Exit status: 0 pinned, 1 the HPC showed no TPM or another EK, 2 usage."})
    static class Enroll implements Callable<Integer> {
        @Option(names = "--mac", required = true, paramLabel = "MAC", description = "The HPC.")
        String mac;

        @Option(names = "--ek-sha256", paramLabel = "HEX",
                description = "SHA-256 of the EK's SubjectPublicKeyInfo, as the refused enrollment and 'list' print it.")
        String ekSha256;

        @Option(names = "--ek-cert", paramLabel = "FILE", description = "The TPM's EK certificate (PEM or DER).")
        Path ekCert;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo", description = "The appliance's data directory. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            String hpc = MacAddress.parse(mac).toString();
            if ((ekSha256 == null) == (ekCert == null)) {
                System.err.println("leo attest hpc enroll: give exactly one of --ek-sha256 (the TPM the HPC showed) and --ek-cert");
                return 2;
            }
            if (ekCert != null) {
                java.security.cert.X509Certificate cert = readCertificate(ekCert);
                String sha = org.leo.boot.manifest.Sha256.hex(cert.getPublicKey().getEncoded());
                Path db = Files.createDirectories(dataDir.resolve("attest")).resolve("enroll.db");
                try (EnrollmentStore s = EnrollmentStore.open(db)) {
                    s.pinTpm(new EnrollmentStore.TpmPin(hpc, sha, "", Instant.now(), "leo attest hpc enroll --ek-cert " + ekCert.getFileName()
                            + " (" + cert.getIssuerX500Principal().getName() + ")"));
                }
                System.out.println("pinned for HPC " + hpc + ": EK sha256 " + sha + " (certificate by " + cert.getIssuerX500Principal().getName()
                        + "); its attestation key is pinned at its first measured enrollment");
                return 0;
            }
            try (EnrollmentStore s = store(dataDir)) {
                Optional<EnrollmentStore.TpmPin> seen = s.seenTpm(hpc);
                if (seen.isEmpty()) {
                    System.err.println("leo attest hpc enroll: HPC " + hpc + " has shown no TPM yet: boot it once (its enrollment is refused and its TPM kept)");
                    return 1;
                }
                if (!seen.get().ekSha256().equals(ekSha256.toLowerCase(Locale.ROOT))) {
                    System.err.println("leo attest hpc enroll: HPC " + hpc + " showed EK sha256 " + seen.get().ekSha256() + ", not " + ekSha256
                            + "; nothing pinned");
                    return 1;
                }
                s.pinTpm(new EnrollmentStore.TpmPin(hpc, seen.get().ekSha256(), seen.get().akName(), Instant.now(),
                        "leo attest hpc enroll (" + System.getProperty("user.name") + ")"));
                System.out.println("pinned for HPC " + hpc + ": EK sha256 " + seen.get().ekSha256() + " (certificate by " + seen.get().by()
                        + "), AK " + seen.get().akName());
                return 0;
            }
        }
    }
}
