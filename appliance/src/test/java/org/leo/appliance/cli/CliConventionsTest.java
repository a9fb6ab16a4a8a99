package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** What every command of the {@code leo} tree has in common ({@link CliConventions}), walked over the whole tree. */
class CliConventionsTest {
    /** The commands that print state: each has --json. */
    static final Set<String> READ_COMMANDS = Set.of(
            "leo pxe events",
            "leo attest log show",
            "leo attest ca",
            "leo attest hpc list",
            "leo ledger show",
            "leo fleet identity",
            "leo capsule inspect",
            "leo task status",
            "leo config show",
            "leo gateway counters");

    private static List<CommandLine> tree(CommandLine cl, List<CommandLine> out) {
        out.add(cl);
        cl.getSubcommands().values().forEach(sub -> tree(sub, out));
        return out;
    }

    @Test
    void everyCommandHasHelpVersionAndTheExitStatusTable() {
        List<CommandLine> all = tree(LeoMain.newCommandLine(), new ArrayList<>());
        assertThat(all).hasSizeGreaterThan(40);
        for (CommandLine cl : all) {
            CommandSpec spec = cl.getCommandSpec();
            String name = spec.qualifiedName();
            assertThat(spec.findOption("-h")).as("%s -h", name).isNotNull();
            assertThat(spec.findOption("--help")).as("%s --help", name).isNotNull();
            assertThat(spec.findOption("-V")).as("%s -V", name).isNotNull();
            assertThat(spec.findOption("--version")).as("%s --version", name).isNotNull();
            assertThat(spec.version().length > 0 || spec.versionProvider() != null).as("%s has a version", name).isTrue();
            assertThat(spec.usageMessage().exitCodeList().keySet()).as("%s's exit codes are the table's", name)
                    .isNotEmpty().isSubsetOf(CliConventions.EXIT_CODES.keySet()).contains("0");
            String help = cl.getUsageMessage();
            assertThat(help).as("%s --help", name).contains("Exit status:");
            for (String code : spec.usageMessage().exitCodeList().keySet()) {
                assertThat(help).as("%s --help shows exit %s", name, code).containsPattern("(?m)^\\s*" + code + "\\s+\\S");
            }
        }
    }

    @Test
    void theVersionWorksOnSubcommands() {
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe", "manifest", "verify", "--version");
        assertThat(run.out()).startsWith("leo ");
        assertThat(run.status()).isZero();
        run = AttestCommandTest.leo("config", "show", "-V");
        assertThat(run.out()).startsWith("leo ");
    }

    @Test
    void aCommandWithoutItsOwnListShowsTheTable() {
        String help = AttestCommandTest.leo("pxe", "events", "--help").out();
        assertThat(help).contains("Exit status:", "  0   ok", "  1   a check failed, or the operation failed", "  2   invalid options");
    }

    @Test
    void everyReadCommandHasJson() {
        List<String> found = new ArrayList<>();
        for (CommandLine cl : tree(LeoMain.newCommandLine(), new ArrayList<>())) {
            String name = cl.getCommandSpec().qualifiedName();
            if (READ_COMMANDS.contains(name)) {
                found.add(name);
                assertThat(cl.getCommandSpec().findOption("--json")).as("%s --json", name).isNotNull();
            }
        }
        assertThat(found).containsExactlyInAnyOrderElementsOf(READ_COMMANDS);
    }

    @Test
    void pxeEventsPrintsTextOrJson(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        org.leo.boot.net.MacAddress mac = org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10");
        try (org.leo.boot.events.SqliteBootEventLog log = org.leo.boot.events.SqliteBootEventLog.open(dir.resolve(org.leo.pxe.PxeConfig.EVENTS_FILE))) {
            log.append(new org.leo.boot.events.BootEvent(java.time.Instant.parse("2026-12-07T10:00:00Z"), java.util.Optional.of(mac), "10.77.0.10",
                    org.leo.boot.events.BootStage.DHCP_DISCOVER, null, "", 0, "", "", ""));
            log.append(new org.leo.boot.events.BootEvent(java.time.Instant.parse("2026-12-07T10:00:01Z"), java.util.Optional.of(mac), "10.77.0.10",
                    org.leo.boot.events.BootStage.DHCP_OFFER, org.leo.boot.events.Protocol.TFTP, "undionly.kpxe", 512, "ab".repeat(32), "", "x"));
        }
        AttestCommandTest.Run text = AttestCommandTest.leo("pxe", "events", "--data-dir", dir.toString());
        assertThat(text.out().lines()).hasSize(2);
        AttestCommandTest.Run json = AttestCommandTest.leo("pxe", "events", "--data-dir", dir.toString(), "--json");
        assertThat(json.status()).as(json.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode events = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertThat(events).hasSize(2);
        assertThat(events.get(0).fieldNames()).toIterable().containsExactly("at", "mac", "client", "stage", "protocol", "file", "bytes",
                "sha256", "bootNonce", "detail");
        assertThat(events.get(0).get("protocol").isNull()).isTrue();
        assertThat(events.get(1).get("at").asText()).isEqualTo("2026-12-07T10:00:01Z");
        assertThat(events.get(1).get("mac").asText()).isEqualTo("52:54:00:77:00:10");
        assertThat(events.get(1).get("stage").asText()).isEqualTo("DHCP_OFFER");
        assertThat(events.get(1).get("bytes").asLong()).isEqualTo(512);
    }

    @Command(name = "boom")
    static class Boom implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            throw new java.io.IOException("cannot read /nowhere", new java.nio.file.NoSuchFileException("/nowhere"));
        }
    }

    @Test
    void anExceptionIsOneLineAndExit1() {
        CommandLine leo = LeoMain.newCommandLine();
        leo.addSubcommand(new CommandLine(new Boom()));
        CliConventions.apply(leo);
        java.io.StringWriter err = new java.io.StringWriter();
        leo.setErr(new java.io.PrintWriter(err, true));
        assertThat(leo.execute("boom")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("leo boom: no such file: /nowhere" + System.lineSeparator());
    }

    @Test
    void aUsageErrorSaysWhatAndWhereToLookAndExits2() {
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe", "events", "--limt", "3");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err().lines().toList()).first().isEqualTo("leo pxe events: Unknown options: '--limt', '3'");
        assertThat(run.err()).contains("--limit").endsWith("Try 'leo pxe events --help' for more information.\n");
        assertThat(run.err()).doesNotContain("Usage:");
    }

    @Test
    void aMissingSubcommandIsAUsageError() {
        AttestCommandTest.Run run = AttestCommandTest.leo("pxe");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("leo pxe: ");
    }
}
