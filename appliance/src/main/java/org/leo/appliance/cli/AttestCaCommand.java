package org.leo.appliance.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import org.leo.attest.ca.ApplianceCa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo attest ca}: prints (creating it if needed) the appliance CA and its fingerprint. */
@Command(name = "ca",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Print the appliance CA's SHA-256 fingerprint (the value agents pin through leo.ca=), creating the CA if needed.",
        descriptionHeading = "%nDescription:%n",
        description = {"The CA (an ECDSA P-256 key, owner-only, and its self-signed certificate) lives in "
                + "DATA-DIR/attest/ca. It issues the attestation server's TLS certificate and the agents' short-lived client certificates.",
            "",
            "Prints 'sha256:HEX  CERTIFICATE-FILE'; with --json: {sha256, certificate}."},
        footerHeading = "%nExamples:%n",
        footer = {"  leo attest ca --data-dir /var/lib/leo"})
public class AttestCaCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/leo",
            description = "The appliance's data directory. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @picocli.CommandLine.Mixin
    JsonOption output = new JsonOption();

    /** The {@code --json} document. */
    record Ca(String sha256, String certificate) { }

    @Override
    public Integer call() throws Exception {
        ApplianceCa ca = ApplianceCa.loadOrCreate(AttestOptions.caDir(dataDir), Clock.systemUTC());
        if (output.json) {
            Json.print(new Ca(ca.fingerprint(), AttestOptions.caDir(dataDir).resolve(ApplianceCa.CERT_FILE).toString()));
            return 0;
        }
        System.out.println("sha256:" + ca.fingerprint() + "  " + AttestOptions.caDir(dataDir).resolve(ApplianceCa.CERT_FILE));
        return 0;
    }
}
