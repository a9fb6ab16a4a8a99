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
class AttestCommandTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) { }

    static Run leo(String... args) {
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
        Run show = leo("attest", "log", "show", "--data-dir", dir.toString(), "--hpc", "52:54:00:77:00:10");
        assertThat(show.out().lines()).hasSize(3).allMatch(l -> l.contains("verdict.clean"));

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
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs("--address", "10.77.0.1", "--enroll", "52:54:00:77:00:10=10.77.0.10", "--data-dir", dir.toString(),
                "--attest", "--attest-enroll-port", "7443", "--attest-port", "7444");
        IpxeScriptConfig script = cmd.toConfig().script();
        assertThat(script.extraArgs()).isEqualTo("console=ttyS0 leo.ca=" + fingerprint + " leo.attest=7443:7444");
    }
}
