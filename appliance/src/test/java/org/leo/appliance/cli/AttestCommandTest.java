package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.pxe.manifest.IpxeScriptConfig;
import picocli.CommandLine;

/** {@code leo attest log verify|show} and {@code leo attest ca}; {@code leo pxe serve --attest} puts the agent's pins on the command line. */
public class AttestCommandTest {
    @TempDir
    Path dir;

    /** What {@link #leo} printed and returned. */
    public record Run(int status, String out, String err) { }

    /** {@code leo ARGS} in this JVM, its output captured (other packages' tests use it too). */
    public static Run leo(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int rc = LeoMain.newCommandLine().execute(args);
            return new Run(rc, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void logVerifySaysIntactOrWhereItBroke() throws Exception {
        Path file = dir.resolve("attest/attest.db");
        Files.createDirectories(file.getParent());
        try (AttestationLog log = AttestationLog.open(file)) {
            for (int i = 0; i < 3; i++) {
                log.appendDurably(new LogEntry(Instant.now(), "52:54:00:77:00:10", LogEntry.Kind.VERDICT, "info", "verdict.clean", "clean " + i, ""));
            }
        }
        Run ok = leo("attest", "log", "verify", "--data-dir", dir.toString());
        assertThat(ok.status()).isZero();
        assertThat(ok.out()).contains(": chain intact: 3 entries, head #3 sha256 ");
        Run show = leo("attest", "log", "show", "--data-dir", dir.toString(), "--mac", "52:54:00:77:00:10");
        assertThat(show.out().lines()).hasSize(3).allMatch(l -> l.contains("verdict.clean"));
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                leo("attest", "log", "show", "--data-dir", dir.toString(), "--mac", "52:54:00:77:00:10", "--json").out());
        assertThat(json).hasSize(3);
        assertThat(json.get(2).get("seq").asLong()).isEqualTo(3);
        assertThat(json.get(2).get("hpc").asText()).isEqualTo("52:54:00:77:00:10");
        assertThat(json.get(2).get("eventId").asText()).isEqualTo("verdict.clean");
        assertThat(json.get(2).get("message").asText()).isEqualTo("clean 2");
        assertThat(json.get(2).get("hash").asText()).hasSize(64);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER attest_log_no_update");
            st.executeUpdate("UPDATE attest_log SET message = 'nothing to see' WHERE seq = 2");
        }
        Run broken = leo("attest", "log", "verify", "--log", file.toString());
        assertThat(broken.status()).isEqualTo(1);
        assertThat(broken.out()).contains("chain BROKEN: entry #2 was altered");

        Run missing = leo("attest", "log", "verify", "--data-dir", dir.resolve("none").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("no attestation log at");
    }

    /**
     * {@code leo attest log quote} with a real swtpm: the quote over the head verifies (checked
     * again here with the verifier's code, from the file it writes), names the head that
     * {@code verify} prints, and a broken chain is not quoted.
     */
    @Test
    @org.junit.jupiter.api.Tag("system")
    void logQuoteHasTheTpmSignTheHeadAndChecksIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.leo.protocol.tpm.SwtpmProcess.installed(), "swtpm is not installed");
        Path file = dir.resolve("attest/attest.db");
        Files.createDirectories(file.getParent());
        try (AttestationLog log = AttestationLog.open(file)) {
            for (int i = 0; i < 4; i++) {
                log.appendDurably(new LogEntry(Instant.now(), "52:54:00:77:00:10", LogEntry.Kind.VERDICT, "info", "verdict.clean", "clean " + i, ""));
            }
        }
        try (org.leo.protocol.tpm.SwtpmProcess swtpm = org.leo.protocol.tpm.SwtpmProcess.start()) {
            Path out = dir.resolve("quote.txt");
            Run q = leo("attest", "log", "quote", "--data-dir", dir.toString(), "--tpm", swtpm.endpoint().toString(),
                    "--nonce", "c0ffee00c0ffee00", "--out", out.toString());
            assertThat(q.status()).as(q.out() + q.err()).isZero();
            assertThat(q.out()).contains("chain intact: 4 entries, head #4").contains("TPM quote over event log head #4 sha256 ")
                    .contains("nonce c0ffee00c0ffee00").contains("quote: verifies (signature, nonce, PCR 23)");
            java.util.Map<String, String> fields = new java.util.HashMap<>();
            Files.readAllLines(out).stream().filter(l -> l.matches("[a-z0-9-]+: .*"))
                    .forEach(l -> fields.put(l.substring(0, l.indexOf(':')), l.substring(l.indexOf(':') + 2)));
            java.util.HexFormat hex = java.util.HexFormat.of();
            String pem = Files.readString(out).substring(Files.readString(out).indexOf("-----BEGIN"));
            java.security.PublicKey ak = java.security.KeyFactory.getInstance("EC").generatePublic(new java.security.spec.X509EncodedKeySpec(
                    java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
            byte[] head = hex.parseHex(fields.get("head-sha256"));
            org.leo.protocol.tpm.TpmQuote tq = new org.leo.protocol.tpm.TpmQuote(hex.parseHex(fields.get("attest")),
                    hex.parseHex(fields.get("signature")), new int[] {23}, java.util.List.of(org.leo.attest.tpm.LogHeadQuoter.expectedPcr(head)));
            org.leo.attest.tpm.HeadQuote hq = new org.leo.attest.tpm.HeadQuote(4, head, tq, pem);
            assertThat(org.leo.attest.tpm.LogHeadQuoter.verify(ak, hq, hex.parseHex("c0ffee00c0ffee00")).ok()).isTrue();
            assertThat(org.leo.attest.tpm.LogHeadQuoter.verify(ak, hq, hex.parseHex("c0ffee00c0ffee01")).ok()).as("another nonce").isFalse();
            assertThat(leo("attest", "log", "verify", "--data-dir", dir.toString()).out()).contains(fields.get("head-sha256"));

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
                st.execute("DROP TRIGGER attest_log_no_update");
                st.executeUpdate("UPDATE attest_log SET message = 'nothing to see' WHERE seq = 3");
            }
            Run broken = leo("attest", "log", "quote", "--data-dir", dir.toString(), "--tpm", swtpm.endpoint().toString());
            assertThat(broken.status()).isEqualTo(1);
            assertThat(broken.out()).contains("chain BROKEN: entry #3 was altered").doesNotContain("TPM quote");
        }
        Run badNonce = leo("attest", "log", "quote", "--data-dir", dir.toString(), "--tpm", "swtpm:127.0.0.1:1", "--nonce", "zz");
        assertThat(badNonce.status()).isEqualTo(2);
    }

    @Test
    void helpReadsLikeAManPage() {
        Run r = leo("attest", "log", "verify", "--help");
        assertThat(r.out()).contains("Recompute the attestation event log's hash chain").contains("Exit status:").contains("Examples:");
    }

    @Test
    void serveWithAttestPinsTheCaOnTheKernelCommandLine() throws Exception {
        Run ca = leo("attest", "ca", "--data-dir", dir.toString());
        assertThat(ca.status()).isZero();
        String fingerprint = ca.out().substring("sha256:".length(), "sha256:".length() + 64);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(leo("attest", "ca", "--data-dir", dir.toString(), "--json").out())
                .get("sha256").asText()).isEqualTo(fingerprint);
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs("--address", "10.77.0.1", "--enroll", "52:54:00:77:00:10=10.77.0.10", "--data-dir", dir.toString(),
                "--attest", "--attest-enroll-port", "7443", "--attest-port", "7444", "--attest-ek-roots", dir.toString());
        IpxeScriptConfig script = cmd.toConfig().script();
        assertThat(script.extraArgs()).isEqualTo("console=ttyS0 leo.ca=" + fingerprint + " leo.attest=7443:7444");
    }
}
