package org.leo.protocol.tpm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private TPM "manufacturer" for tests: a swtpm-localca (swtpm_localca(8)) whose configuration,
 * root CA, intermediate CA and serial counter all live under one directory of the test, never the
 * system's /var/lib/swtpm-localca. {@link #manufacture(Path)} runs
 * {@code swtpm_setup --tpm2 --create-ek-cert --create-platform-cert} over a TPM state directory:
 * the TPM gets an RSA 2048 EK (template L-1, certificate in NV 0x01c00002) and an ECC P-384 EK
 * (template H-3, NV 0x01c00016), certified by this CA's intermediate "CN=swtpm-localca", which
 * the root "CN=swtpm-localca-rootca" signed. The CA keys are made on the first manufacture.
 */
public final class LocalCa {
    /** swtpm_setup makes two EKs and certificates; the CA's first run also makes two CA keys. */
    private static final long SETUP_TIMEOUT_SECONDS = 120;

    private final Path dir;

    private LocalCa(Path dir) {
        this.dir = dir;
    }

    public static boolean installed() {
        return SwtpmProcess.onPath("swtpm_setup") && SwtpmProcess.onPath("swtpm_localca") && SwtpmProcess.installed();
    }

    /** A new CA under {@code dir} (which must exist and be private to the test). */
    public static LocalCa create(Path dir) throws IOException {
        Path ca = Files.createDirectories(dir.resolve("ca"));
        write(dir.resolve("swtpm-localca.conf"), "statedir = " + ca + "\n" + "signingkey = " + ca.resolve("signkey.pem") + "\n"
                + "issuercert = " + ca.resolve("issuercert.pem") + "\n" + "certserial = " + ca.resolve("certserial") + "\n");
        write(dir.resolve("swtpm-localca.options"), "--platform-manufacturer Leo\n--platform-version 2.1\n--platform-model test\n");
        write(dir.resolve("swtpm_setup.conf"), "create_certs_tool = /usr/bin/swtpm_localca\n"
                + "create_certs_tool_config = " + dir.resolve("swtpm-localca.conf") + "\n"
                + "create_certs_tool_options = " + dir.resolve("swtpm-localca.options") + "\n"
                + "active_pcr_banks = sha256\n");
        return new LocalCa(dir);
    }

    /** Manufactures a TPM state with EK and platform certificates from this CA. */
    public synchronized void manufacture(Path stateDir) throws IOException {
        Path log = dir.resolve("swtpm_setup.log");
        Process p = new ProcessBuilder(List.of("swtpm_setup", "--tpm2", "--tpmstate", stateDir.toString(),
                "--create-ek-cert", "--create-platform-cert", "--config", dir.resolve("swtpm_setup.conf").toString(),
                "--logfile", log.toString()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("swtpm_setup.out").toFile()))
                .start();
        try {
            if (!p.waitFor(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("swtpm_setup did not finish within " + SETUP_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running swtpm_setup", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("swtpm_setup exited " + p.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    /** The self-signed root, "CN=swtpm-localca-rootca" (exists after the first manufacture). */
    public Path rootCertificate() {
        return dir.resolve("ca").resolve("swtpm-localca-rootca-cert.pem");
    }

    /** The intermediate that signs EK certificates, "CN=swtpm-localca". */
    public Path intermediateCertificate() {
        return dir.resolve("ca").resolve("issuercert.pem");
    }

    /** A directory holding only this CA's root: what {@code --attest-ek-roots} would point at. */
    public Path rootsDirectory() throws IOException {
        Path roots = Files.createDirectories(dir.resolve("roots"));
        Files.copy(rootCertificate(), roots.resolve("root.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return roots;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
