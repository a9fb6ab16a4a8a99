package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.task.TestImage;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.FleetLedger;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.fleet.WrappedKeys;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;

/**
 * {@code leo service publish}, {@code leo task submit|status} in process over an embedded ledger in a temporary data
 * directory: a service of the busybox test image published by this Pi, a task submitted after a deposit, its status with no
 * group, then (appended by hand as the fleet would) a group elected by real VRF draws, its rounds' certificates and its
 * settlement, whose payments the status prints.
 */
class TaskCommandTest {
    static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Path ledgerFile() {
        return data().resolve(LedgerCommand.FILE);
    }

    /** This Pi's member keys (made as the commands make them) and three other members, all admitted with credit 100. */
    private List<MemberKeys> fleet() throws Exception {
        MemberKeys pi = MemberKeyFile.loadOrCreate(data().resolve(FleetOptions.DIR), new SecureRandom());
        List<MemberKeys> members = new ArrayList<>(List.of(pi));
        for (int i = 1; i <= 3; i++) {
            byte[] a = new byte[32];
            byte[] b = new byte[32];
            Arrays.fill(a, (byte) i);
            Arrays.fill(b, (byte) (i + 10));
            members.add(MemberKeys.of(a, b));
        }
        try (EmbeddedLedger l = EmbeddedLedger.open(ledgerFile())) {
            for (MemberKeys m : members) {
                l.append(new LedgerRecord.MemberAdmitted(m.member(), m.vrfKey(), 100));
            }
        }
        return members;
    }

    private Path image() throws Exception {
        Optional<Path> busybox = TestImage.staticBusybox();
        Assumptions.assumeTrue(busybox.isPresent(), TestImage.noStaticBusyboxReason());
        TestImage image = TestImage.busybox(busybox.get());
        Path archive = dir.resolve("grey.tar");
        Files.write(archive, image.archive());
        return archive;
    }

    private static Map<String, String> lines(String out) {
        return out.lines().collect(Collectors.toMap(l -> l.split(" ", 2)[0], l -> l.split(" ", 2)[1], (a, b) -> a + "\n" + b,
                java.util.LinkedHashMap::new));
    }

    private AttestCommandTest.Run publish(Path archive, String... more) throws Exception {
        Path code = Files.writeString(dir.resolve("align.sh"), "#!/bin/sh\nwc -c /work/data/*\n");
        List<String> args = new ArrayList<>(List.of("service", "publish", "--image", archive.toString(), "--code", code.toString(),
                "--price", "300", "--name", "grey v1", "--data-dir", data().toString()));
        args.addAll(List.of(more));
        return AttestCommandTest.leo(args.toArray(String[]::new));
    }

    @Test
    void publishDepositSubmitAndStatusThenTheGroupCertificatesAndPayments() throws Exception {
        List<MemberKeys> members = fleet();
        MemberKeys pi = members.get(0);
        Path archive = image();
        String imageId = "sha256:" + ContentAddress.of(TestImage.busybox(TestImage.staticBusybox().orElseThrow()).config()).hex();

        AttestCommandTest.Run published = publish(archive);
        assertThat(published.status()).as(published.err()).isZero();
        Map<String, String> p = lines(published.out());
        assertThat(p.keySet()).containsExactly("service", "image", "code-capsule", "archive");
        assertThat(p.get("service")).isEqualTo("5");
        assertThat(p.get("image")).isEqualTo(imageId);
        String imageHex = imageId.substring(7);
        assertThat(data().resolve("images/" + imageHex + ".tar")).hasSameBinaryContentAs(archive);
        // the code capsule: in the store, its key file where the key-release code reads keys, for the service's image
        Path codeCapsule = data().resolve("capsules").resolve(p.get("code-capsule"));
        var capsule = CapsuleFile.read(codeCapsule, CapsuleLimits.DEFAULT);
        assertThat(capsule.header().kind()).isEqualTo(CapsuleKind.CODE);
        assertThat(capsule.header().requirements().imageDigest()).isEqualTo(imageId);
        assertThat(data().resolve(FleetAppliance.CAPSULE_KEYS).resolve(p.get("code-capsule") + ".key")).exists();
        try (EmbeddedLedger l = EmbeddedLedger.open(ledgerFile())) {
            LedgerRecord.ServicePublished s = (LedgerRecord.ServicePublished) l.entries(5, 1).get(0).record();
            assertThat(s.signatureValid()).isTrue();
            assertThat(s.author()).isEqualTo(pi.member());
            assertThat(HexFormat.of().formatHex(s.codeCapsuleSha256())).isEqualTo(p.get("code-capsule"));
            assertThat(HexFormat.of().formatHex(s.imageSha256())).isEqualTo(imageHex);
        }

        Path a = Files.writeString(dir.resolve("a.csv"), "1,2,3\n");
        Path b = Files.writeString(dir.resolve("b.csv"), "4,5,6\n");
        List<String> submit = List.of("task", "submit", "--service", "5", "--data", a.toString(), "--data", b.toString(), "--payment", "1000",
                "--group-size", "1000", "--expires-after", "500", "--data-dir", data().toString());
        AttestCommandTest.Run poor = AttestCommandTest.leo(submit.toArray(String[]::new));
        assertThat(poor.status()).isEqualTo(1);
        assertThat(poor.err()).contains("member " + pi.memberHex() + " has 0 token(s), the task pays 1000: run 'leo ledger deposit "
                + pi.memberHex() + " 1000' first");
        assertThat(data().resolve(FleetAppliance.CAPSULE_KEYS)).isDirectoryContaining(f -> true);
        assertThat(Files.list(data().resolve(FleetAppliance.CAPSULE_KEYS)).count()).as("nothing sealed for a refused task").isEqualTo(1);

        assertThat(AttestCommandTest.leo("ledger", "deposit", "--data-dir", data().toString(), pi.memberHex(), "1200").status()).isZero();
        AttestCommandTest.Run submitted = AttestCommandTest.leo(submit.toArray(String[]::new));
        assertThat(submitted.status()).as(submitted.err()).isZero();
        List<String> out = submitted.out().lines().toList();
        assertThat(out.get(0)).isEqualTo("task 7");
        assertThat(out.get(1)).startsWith("data-capsule ");
        assertThat(out.get(2)).startsWith("data-capsule ");
        assertThat(out.get(3)).isEqualTo("escrowed 1000; expires after entry #507");
        for (String line : out.subList(1, 3)) {
            String id = line.substring("data-capsule ".length());
            var c = CapsuleFile.read(data().resolve("capsules").resolve(id), CapsuleLimits.DEFAULT);
            assertThat(c.header().kind()).isEqualTo(CapsuleKind.DATA);
            assertThat(c.header().requirements().imageDigest()).isEqualTo(imageId);
            assertThat(data().resolve(FleetAppliance.CAPSULE_KEYS).resolve(id + ".key")).exists();
        }

        AttestCommandTest.Run open = AttestCommandTest.leo("task", "status", "7", "--data-dir", data().toString());
        assertThat(open.status()).as(open.err()).isZero();
        assertThat(open.out()).contains("task #7 by member " + pi.memberHex() + "\n")
                .contains("service #5 'grey v1' by member " + pi.memberHex() + ", image " + imageId + ", price 300\n")
                .contains(out.get(1) + "\n" + out.get(2) + "\n")
                .contains("terms payment 1000, group of 1000, executor credit >= 0, monitor credit >= 0, expires after entry #507\n")
                .contains("group none yet\n")
                .endsWith("open: 1000 token(s) in escrow; no settlement yet, expires after entry #507\n");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                AttestCommandTest.leo("task", "status", "7", "--data-dir", data().toString(), "--json").out());
        assertThat(json.get("task").asLong()).isEqualTo(7);
        assertThat(json.get("lines").get(json.get("lines").size() - 1).asText())
                .isEqualTo("open: 1000 token(s) in escrow; no settlement yet, expires after entry #507");
        AttestCommandTest.Run notATask = AttestCommandTest.leo("task", "status", "5", "--data-dir", data().toString());
        assertThat(notATask.status()).isEqualTo(1);
        assertThat(notATask.err()).contains("entry #5 is not a task on ");

        // the fleet's part, by hand: every member draws (the expected group exceeds the total credit), the owner's Pi
        // records the elected group, the monitors certify the attestation and the clean-up rounds, the settlement pays
        String executor;
        List<String> monitors = new ArrayList<>();
        try (EmbeddedLedger l = EmbeddedLedger.open(ledgerFile())) {
            LedgerEntry task = l.entries(7, 1).get(0);
            FleetLedger.Snapshot at = new FleetLedger(l).atEntry(task);
            List<TaskElection.Claim> claims = new ArrayList<>();
            for (MemberKeys m : members) {
                MemberSortition.Draw d = m.draw(TaskElection.alpha(task), 100, at.totalCredit(), 1000);
                claims.add(new TaskElection.Claim(m.member(), m.vrfKey(), 100, d.proof(), d.votes()));
            }
            TaskElection.Group g = TaskElection.elect(task, at.members(), at.totalCredit(), claims);
            assertThat(g.canRun()).as(g.refused().toString()).isTrue();
            executor = g.executor().orElseThrow().memberId();
            g.monitors().forEach(m -> monitors.add(m.memberId()));
            List<LedgerRecord.GroupClaim> recorded = claims.stream().map(c -> new LedgerRecord.GroupClaim(c.member(), c.votes(), c.proof()))
                    .sorted((x, y) -> Arrays.compareUnsigned(x.member(), y.member())).toList();
            LedgerEntry group = l.append(new LedgerRecord.GroupElected(7, HexFormat.of().parseHex(executor), recorded));
            long attest = l.append(certificate(members, monitors, claims, new TaskRound(7, TaskRound.Phase.ATTEST, 0).roundId(group.hash(), HPC))).seq();
            long cleanUp = l.append(certificate(members, monitors, claims, new TaskRound(7, TaskRound.Phase.CLEANUP, 0).roundId(group.hash(), HPC))).seq();
            l.append(new LedgerRecord.TaskSettled(7, cleanUp, recorded.stream().map(c -> new LedgerRecord.Share(c.member(), false)).toList()));
            assertThat(attest).isEqualTo(9);
        }
        AttestCommandTest.Run settled = AttestCommandTest.leo("task", "status", "7", "--data-dir", data().toString());
        assertThat(settled.status()).as(settled.err()).isZero();
        assertThat(settled.out()).contains("group #8 of 4 member(s)\n")
                .contains("executor " + executor + " votes ")
                .contains("election the record is the elected group\n")
                .contains("certificate #9 ATTEST attempt 0 TRUSTED, 3 verdict(s)\ncertificate #10 CLEANUP attempt 0 TRUSTED, 3 verdict(s)\n")
                .contains("settled #11 by clean-up certificate #10\n")
                .endsWith("burned 100\n");
        assertThat(monitors).hasSize(3).doesNotContain(executor);
        // 1000 paid: 100 burned, 300 to the author (this Pi), 300 to the executor, 100 to each of the three monitors
        // (the election is by this Pi's random key: it may be the executor or a monitor too)
        String author = pi.memberHex();
        try (EmbeddedLedger l = EmbeddedLedger.open(ledgerFile())) {
            for (MemberKeys member : members) {
                String m = member.memberHex();
                List<String> roles = new ArrayList<>();
                long paid = 0;
                if (m.equals(author)) {
                    roles.add("author");
                    paid += 300;
                }
                if (m.equals(executor)) {
                    roles.add("executor");
                    paid += 300;
                }
                if (monitors.contains(m)) {
                    roles.add("monitor");
                    paid += 100;
                }
                assertThat(settled.out()).contains("paid " + m + " " + paid + " (" + String.join(", ", roles) + ")\n");
                // the ledger's own settlement agrees; this Pi also kept 200 of the 1200 it deposited
                assertThat(l.balances()).containsEntry(m, paid + (m.equals(author) ? 200 : 0));
            }
        }
    }

    /** The monitors' TRUSTED verdicts in {@code round}, each with its claim's votes and proof. */
    private static LedgerRecord.CertificateRecorded certificate(List<MemberKeys> members, List<String> monitors, List<TaskElection.Claim> claims,
                                                                RoundId round) {
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (monitors.contains(members.get(i).memberHex())) {
                TaskElection.Claim c = claims.get(i);
                verdicts.add(members.get(i).sign(round, (int) c.votes(), c.proof(), Verdict.Outcome.TRUSTED, new byte[32]));
            }
        }
        return new LedgerRecord.CertificateRecorded(new QuorumCertificate(round, Verdict.Outcome.TRUSTED, verdicts));
    }

    @Test
    void anArchiveThatIsNotAnImageIsRefusedBeforeAnythingIsSealed() throws Exception {
        fleet();
        Path junk = Files.write(dir.resolve("junk.tar"), new byte[] {1, 2, 3, 4});
        AttestCommandTest.Run r = publish(junk);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("leo service publish: " + junk + " is not an image archive: ");
        assertThat(data().resolve("capsules")).doesNotExist();
        assertThat(data().resolve(FleetAppliance.CAPSULE_KEYS)).doesNotExist();
        assertThat(AttestCommandTest.leo("task", "submit", "--service", "1", "--data", junk.toString(), "--payment", "10", "--data-dir",
                data().toString()).err()).contains("entry #1 is not a service on ");
    }

    @Test
    void aPiThatIsNoMemberPublishesNothing() throws Exception {
        Files.createDirectories(ledgerFile().getParent());
        EmbeddedLedger.open(ledgerFile()).close();
        AttestCommandTest.Run r = publish(image());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("is not a member on the ledger: it joins the fleet first");
        assertThat(AttestCommandTest.leo("service", "publish", "--image", "x", "--code", "y", "--price", "-1", "--name", "n").status()).isEqualTo(2);
        assertThat(AttestCommandTest.leo("service", "publish", "--image", "x", "--code", "y", "--price", "1", "--name", "n",
                "--data-dir", dir.resolve("none").toString()).status()).as("an archive that cannot be read").isEqualTo(1);
    }

    /**
     * With --tpm the code capsule's key file holds the key wrapped by the Pi's TPM: what the key-release code releases. With
     * --wrap-key the same, sealed while another client holds the Pi's TPM (as 'leo pxe serve --fleet' does), to the file the
     * Pi wrote; the Pi's TPM opens it. --tpm and --wrap-key together are an invalid option.
     */
    @Test
    void withTheTpmOrItsWrapKeyFileTheKeyFilesAreWhatTheKeyReleaseReads() throws Exception {
        Assumptions.assumeTrue(org.leo.protocol.tpm.SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        fleet();
        Path archive = image();
        try (org.leo.protocol.tpm.SwtpmProcess tpm = org.leo.protocol.tpm.SwtpmProcess.start()) {
            String endpoint = "swtpm:127.0.0.1:" + tpm.port();
            AttestCommandTest.Run withTpm = publish(archive, "--tpm", endpoint);
            assertThat(withTpm.status()).as(withTpm.err()).isZero();
            ContentAddress wrappedByTpm = ContentAddress.parse(lines(withTpm.out()).get("code-capsule"));
            assertThat(WrappedKeys.directory(data().resolve(FleetAppliance.CAPSULE_KEYS)).wrapped(wrappedByTpm)).isPresent();
            assertThat(withTpm.err()).doesNotContain("in clear");
            AttestCommandTest.Run withFile;
            try (Tpm held = Tpm.open(TpmEndpoint.parse(endpoint))) {
                FleetAppliance.publishWrapKey(held, data());
                withFile = publish(archive, "--wrap-key", data().resolve(FleetAppliance.CAPSULE_WRAP_KEY).toString());
            }
            assertThat(withFile.status()).as(withFile.err()).isZero();
            String code = lines(withFile.out()).get("code-capsule");
            Path opened = dir.resolve("code.opened");
            AttestCommandTest.Run open = AttestCommandTest.leo("capsule", "open", "--in", data().resolve("capsules").resolve(code).toString(),
                    "--key-file", data().resolve(FleetAppliance.CAPSULE_KEYS).resolve(code + ".key").toString(), "--out", opened.toString(),
                    "--tpm", endpoint);
            assertThat(open.status()).as(open.err()).isZero();
            assertThat(opened).hasSameBinaryContentAs(dir.resolve("align.sh"));
        }
        AttestCommandTest.Run both = AttestCommandTest.leo("task", "submit", "--service", "5", "--data", archive.toString(), "--payment", "1",
                "--data-dir", data().toString(), "--tpm", "swtpm:127.0.0.1:1", "--wrap-key", "x.pub");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).contains("--tpm=ENDPOINT, --wrap-key=FILE are mutually exclusive");
        AttestCommandTest.Run altered = publish(archive, "--wrap-key", Files.writeString(dir.resolve("x.pub"), "leo-capsule-wrap-key v1\n").toString());
        assertThat(altered.status()).isEqualTo(1);
        assertThat(altered.err()).contains("leo service publish: --wrap-key " + dir.resolve("x.pub")
                + " is not a wrap key file: a wrap key file has 3 lines, this one 1\n");
    }

    /**
     * Carol's consent ('leo task offer'): her capsule sealed for the service's image and least credits, in her store, its key
     * file with the 'service SEQ' line the key release reads; Alice's task names it by id beside her own data.
     */
    @Test
    void anOfferedCapsuleIsSealedForTheServiceAndATaskNamesItByItsId() throws Exception {
        List<MemberKeys> members = fleet();
        assertThat(publish(image()).status()).isZero(); // service 5
        String imageId = "sha256:" + ContentAddress.of(TestImage.busybox(TestImage.staticBusybox().orElseThrow()).config()).hex();
        Path names = Files.writeString(dir.resolve("names-b"), "carol\ndave\n");
        AttestCommandTest.Run offered = AttestCommandTest.leo("task", "offer", "--service", "5", "--data", names.toString(),
                "--min-executor-credit", "7", "--data-dir", data().toString());
        assertThat(offered.status()).as(offered.err()).isZero();
        assertThat(offered.err()).contains("the AES keys are in clear (mode 0600): this Pi never releases them");
        List<String> out = offered.out().lines().toList();
        assertThat(out.get(0)).isEqualTo("service 5");
        ContentAddress id = ContentAddress.parse(out.get(1).substring("data-capsule ".length()));
        var c = CapsuleFile.read(data().resolve("capsules").resolve(id.hex()), CapsuleLimits.DEFAULT);
        assertThat(c.header().kind()).isEqualTo(CapsuleKind.DATA);
        assertThat(c.header().owner()).isEqualTo(members.get(0).member());
        assertThat(c.header().label()).isEqualTo("names-b");
        assertThat(c.header().requirements().imageDigest()).isEqualTo(imageId);
        assertThat(c.header().requirements().minExecutorCredit()).isEqualTo(7);
        assertThat(WrappedKeys.directory(data().resolve(FleetAppliance.CAPSULE_KEYS)).offeredFor(id)).as("the offer the key release reads")
                .containsExactly(5L);
        AttestCommandTest.Run notAService = AttestCommandTest.leo("task", "offer", "--service", "4", "--data", names.toString(),
                "--data-dir", data().toString());
        assertThat(notAService.status()).isEqualTo(1);
        assertThat(notAService.err()).contains("entry #4 is not a service");

        // Alice's task: her own file and the offered capsule by id (here both of this Pi: one ledger, one data directory)
        assertThat(AttestCommandTest.leo("ledger", "deposit", "--data-dir", data().toString(), members.get(0).memberHex(), "1000").status()).isZero();
        Path a = Files.writeString(dir.resolve("names-a"), "alice\ncarol\n");
        AttestCommandTest.Run submitted = AttestCommandTest.leo("task", "submit", "--service", "5", "--data", a.toString(), "--data-capsule",
                id.hex(), "--payment", "400", "--min-executor-credit", "7", "--data-dir", data().toString());
        assertThat(submitted.status()).as(submitted.err()).isZero();
        List<String> lines = submitted.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("task 7");
        assertThat(lines.get(2)).isEqualTo("data-capsule " + id.hex());
        try (EmbeddedLedger l = EmbeddedLedger.open(ledgerFile())) {
            LedgerRecord.TaskSubmitted t = (LedgerRecord.TaskSubmitted) l.entries(7, 1).get(0).record();
            assertThat(t.dataCapsules()).hasSize(2);
            assertThat(t.dataCapsules().get(1)).isEqualTo(id.bytes());
        }
        AttestCommandTest.Run bad = AttestCommandTest.leo("task", "submit", "--service", "5", "--data-capsule", "xyz", "--payment", "400",
                "--data-dir", data().toString());
        assertThat(bad.status()).isEqualTo(2);
        assertThat(bad.err()).contains("--data-capsule: ");
        AttestCommandTest.Run none = AttestCommandTest.leo("task", "submit", "--service", "5", "--payment", "400", "--data-dir", data().toString());
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("1..16 --data files and --data-capsule ids");
    }

    @Test
    void helpReadsLikeAManPage() {
        for (String[] c : List.of(new String[] {"service", "publish", "--help"}, new String[] {"task", "submit", "--help"},
                new String[] {"task", "status", "--help"}, new String[] {"task", "result", "--help"},
                new String[] {"task", "offer", "--help"})) {
            AttestCommandTest.Run help = AttestCommandTest.leo(c);
            assertThat(help.status()).isZero();
            assertThat(help.out()).contains("Description:", "Exit status:", "Examples:", "--data-dir", "--evm-rpc");
        }
        assertThat(AttestCommandTest.leo("service", "publish", "--help").out()).contains("DATA-DIR/images/IMAGE-ID.tar", "--tpm", "--wrap-key",
                "DATA-DIR/capsule-keys/CAPSULE-ID.key", "hpc-agent's ImageArchive");
        assertThat(AttestCommandTest.leo("task", "submit", "--help").out()).contains("run 'leo ledger deposit' first", "--expires-after",
                "--min-executor-credit", "--group-size");
        assertThat(AttestCommandTest.leo("task", "status", "--help").out()).contains("paid MEMBER N (ROLE)", "re-elected");
        assertThat(AttestCommandTest.leo("task", "offer", "--help").out()).contains("'service SEQ' line", "--data-capsule HEX", "NOT_OFFERED");
        assertThat(AttestCommandTest.leo("task", "submit", "--help").out()).contains("--data-capsule", "leo task offer");
        assertThat(AttestCommandTest.leo("task", "result", "--help").out()).contains("DATA-DIR/results-received/TASK.result", "--tpm", "--out",
                "--fleet-peers", "check NAME failed (CODE)", "a running 'leo pxe serve' holds it", "run the command while the Pi");
        assertThat(AttestCommandTest.leo("--help").out()).contains("service", "task");
    }
}
