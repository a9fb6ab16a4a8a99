package org.leo.attest.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.ChunkProof;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.DiskRootCheck;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotCheck;
import org.leo.protocol.attest.v1.DiskSpotResult;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.HardwareCheck;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;
import org.leo.protocol.attest.v1.TpmQuoteCheck;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.merkle.MerkleTree;

/**
 * What the appraiser takes from where: the PCR selection and the disk chunking from the challenge
 * and the policy, never from the answer or an unchecked golden; whatever the agent sends, a
 * verdict; findings bounded per answer; strings from the HPC escaped; the golden checked when it is
 * taken. Each test is named after the hole it closes.
 */
class AppraisalSoundnessTest {
    static final String HPC = "52:54:00:77:00:10";
    static final String NONCE = "5a".repeat(32);
    static final byte[] Q_NONCE = HexFormat.of().parseHex("5eed0f1e0c0ffee0aabbccddeeff0011");

    @TempDir
    Path tmp;

    static Golden golden(CheckResult... results) {
        EvidenceBody.Builder b = EvidenceBody.newBuilder();
        for (CheckResult r : results) {
            b.addResults(r);
        }
        return new Golden(HPC, NONCE, b.build());
    }

    static CheckResult root(String target, long size, int chunkSize) {
        return CheckResult.newBuilder().setDiskRoot(DiskRootResult.newBuilder().setTarget(target).setSizeBytes(size)
                .setChunkSize(chunkSize).setRoot(ByteString.copyFrom(new byte[32]))).build();
    }

    static Challenge challenge(Check... checks) {
        Challenge.Builder c = Challenge.newBuilder().setChallengeId(7).setNonce(ByteString.copyFrom(Q_NONCE));
        for (Check k : checks) {
            c.addChecks(k);
        }
        return c.build();
    }

    /** The real swtpm quote kept in protocol's test resources (ECDSA AK, PCRs 16 and 23). */
    static TpmQuoteResult realQuote() throws IOException {
        try (InputStream in = AppraisalSoundnessTest.class.getResourceAsStream("/tpm/golden/ecc-leo.properties")) {
            Properties p = new Properties();
            p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            HexFormat hex = HexFormat.of();
            TpmQuoteResult.Builder q = TpmQuoteResult.newBuilder().setAttest(ByteString.fromHex(p.getProperty("attest")))
                    .setSignature(ByteString.fromHex(p.getProperty("signature"))).setAkPublicDer(ByteString.fromHex(p.getProperty("ak")));
            for (String pcr : p.getProperty("pcrs").split(",")) {
                q.addPcrs(Integer.parseInt(pcr)).addPcrValues(ByteString.copyFrom(hex.parseHex(p.getProperty("pcr." + pcr))));
            }
            return q.build();
        }
    }

    @Test
    void aBaselineWithChunkSizeZeroGivesAVerdictNotAnException() {
        Policy policy = Policy.of(Map.of("disk.d.path", "/dev/vda", "disk.d.chunk-size", "4096"));
        Golden g = golden(root("/dev/vda", 40960, 0)); // before: (size + 0 - 1) / 0 threw ArithmeticException
        Challenge c = challenge(Check.newBuilder().setDiskSpot(DiskSpotCheck.newBuilder().setTarget("/dev/vda").addChunkIndices(3)).build());
        EvidenceBody body = EvidenceBody.newBuilder().setChallengeId(7).addResults(CheckResult.newBuilder().setDiskSpot(
                DiskSpotResult.newBuilder().setTarget("/dev/vda").addChunks(ChunkProof.newBuilder().setIndex(3)))).build();
        Verdict v = new Appraiser(policy).appraise(HPC, c, body, g);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("disk.spot.unverifiable");
    }

    @Test
    void aHugeChunkSizeInTheBaselineIsNeverAllocated() throws IOException {
        Path ref = Files.write(tmp.resolve("ref.img"), new byte[40960]);
        Policy policy = Policy.of(Map.of("disk.d.path", "/dev/vda", "disk.d.chunk-size", "4096", "disk.d.reference", ref.toString()));
        // before: ByteBuffer.allocate(chunk size of the golden) with 0x80000000 threw; 1 GiB would have been allocated
        Golden g = golden(root("/dev/vda", 1L << 40, Integer.MIN_VALUE));
        Challenge c = challenge(Check.newBuilder().setDiskSpot(DiskSpotCheck.newBuilder().setTarget("/dev/vda").addChunkIndices(1)).build());
        EvidenceBody body = EvidenceBody.newBuilder().setChallengeId(7).addResults(CheckResult.newBuilder().setDiskSpot(
                DiskSpotResult.newBuilder().setTarget("/dev/vda").addChunks(ChunkProof.newBuilder().setIndex(1)))).build();
        assertThat(new Appraiser(policy).appraise(HPC, c, body, g).findings()).extracting(Finding::eventId)
                .containsExactly("disk.spot.unverifiable");
    }

    @Test
    void aShortTpmQuoteGivesAVerdict() throws IOException {
        TpmQuoteResult real = realQuote();
        Golden g = golden(CheckResult.newBuilder().setTpmQuote(real).build());
        Challenge c = challenge(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addPcrs(16).addPcrs(23)).build());
        TpmQuoteResult shortQuote = real.toBuilder().setAttest(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x54})).build();
        Verdict v = new Appraiser(Policy.defaults()).appraise(HPC, c,
                EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(shortQuote)).build(), g);
        assertThat(v.findings()).extracting(Finding::eventId).contains("tpm.quote.invalid");
    }

    @Test
    void theQuotesPcrSelectionIsTheChallengesNotTheAnswers() throws IOException {
        TpmQuoteResult real = realQuote(); // a genuine quote over PCRs 16 and 23, with Q_NONCE
        Golden g = golden(CheckResult.newBuilder().setTpmQuote(real).build());
        Appraiser appraiser = new Appraiser(Policy.defaults());
        EvidenceBody body = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(real)).build();
        Challenge asked16and23 = challenge(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addPcrs(16).addPcrs(23)).build());
        assertThat(appraiser.appraise(HPC, asked16and23, body, g).clean()).isTrue();
        // The challenge asks for PCRs 0-7; a genuine quote over other PCRs does not answer it.
        // Before the fix the selection was read from the answer, and this verdict was clean.
        Challenge askedBoot = challenge(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addAllPcrs(List.of(0, 1, 2, 3, 4, 5, 6, 7))).build());
        Verdict v = appraiser.appraise(HPC, askedBoot, body, g);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("tpm.quote.invalid");
        assertThat(v.findings().get(0).sentence()).endsWith("does not cover exactly the PCRs asked for, [0, 1, 2, 3, 4, 5, 6, 7]");
    }

    @Test
    void aQuoteWithoutABaselineQuoteIsNotTrustedOnFirstUse() throws IOException {
        Challenge c = challenge(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addPcrs(16).addPcrs(23)).build());
        Verdict v = new Appraiser(Policy.defaults()).appraise(HPC, c,
                EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTpmQuote(realQuote())).build(), golden());
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("tpm.quote.invalid");
    }

    @Test
    void anAnswerWithThousandsOfDifferencesIsOneBoundedVerdictWithTheWorstSeverity() {
        Policy policy = Policy.of(Map.of("severity.os.process.new", "info"));
        Golden g = golden(CheckResult.newBuilder().setOs(OsResult.newBuilder().setProcessesIncluded(true)).build(),
                CheckResult.newBuilder().setHardware(HardwareResult.getDefaultInstance()).build());
        OsResult.Builder os = OsResult.newBuilder().setProcessesIncluded(true);
        for (int pid = 100; pid < 5100; pid++) {
            os.addProcesses(ProcessInfo.newBuilder().setPid(pid).setComm("p" + pid).setExe("/bin/p" + pid));
        }
        Challenge c = challenge(Check.newBuilder().setOs(OsCheck.newBuilder().setProcesses(true)).build(),
                Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()).build());
        EvidenceBody body = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setOs(os))
                .addResults(CheckResult.newBuilder().setHardware(HardwareResult.newBuilder()
                        .addDevices(Device.newBuilder().setBus("usb").setId("1-1").setDescription("stick")))).build();
        Verdict v = new Appraiser(policy).appraise(HPC, c, body, g);
        assertThat(v.findings()).hasSize(Findings.MAX_PER_ANSWER + 1);
        Finding overflow = v.findings().get(Findings.MAX_PER_ANSWER);
        assertThat(overflow.eventId()).isEqualTo("findings.overflow");
        // The USB stick came after 5000 info findings: it was dropped, but its severity was not.
        assertThat(overflow.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(overflow.sentence()).isEqualTo("HPC " + HPC + ": " + (5001 - Findings.MAX_PER_ANSWER)
                + " more findings in this answer were not recorded (at most 64 per answer; the first dropped was os.process.new, the worst critical)");
    }

    @Test
    void stringsFromTheHpcAreEscapedAndAnUnknownBusMintsNoFindingId() {
        Golden g = golden(CheckResult.newBuilder().setHardware(HardwareResult.getDefaultInstance()).build());
        Challenge c = challenge(Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()).build());
        EvidenceBody body = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setHardware(HardwareResult.newBuilder()
                .addDevices(Device.newBuilder().setBus("usb").setId("1-1\n2026-12-06 INFO all clean").setDescription("\u001b[2Jstick"))
                .addDevices(Device.newBuilder().setBus("Usb").setId("1-2").setDescription("other")))).build();
        Verdict v = new Appraiser(Policy.of(Map.of("severity.hardware.usb", "critical", "severity.hardware", "info"))).appraise(HPC, c, body, g);
        assertThat(v.findings()).extracting(Finding::eventId).containsExactly("evidence.malformed", "hardware.usb.added");
        Finding usb = v.findings().get(1);
        assertThat(usb.sentence()).isEqualTo("HPC " + HPC + ": USB device 1-1\\x0a2026-12-06 INFO all clean (\\x1b[2Jstick) appeared");
        assertThat(usb.got()).isEqualTo("\\x1b[2Jstick");
        assertThat(v.findings().get(0).sentence()).contains("on bus 'Usb', which is none of [dmi, cpu, pci, usb, block, nic]");
    }

    @Test
    void theGoldenIsCheckedWhenItIsTakenAgainstThePolicyAndTheReferenceCopy() throws IOException {
        byte[] disk = new byte[3 * 4096];
        disk[5000] = 7;
        Path ref = Files.write(tmp.resolve("ref.img"), disk);
        Policy policy = Policy.of(Map.of("disk.d.path", "/dev/vda", "disk.d.chunk-size", "4096", "disk.d.reference", ref.toString()));
        GoldenCheck check = new GoldenCheck(policy, new ReferenceRoots());
        Challenge baseline = challenge(Check.newBuilder().setOs(OsCheck.newBuilder().setKernelCmdline(true)).build(),
                Check.newBuilder().setDiskRoot(DiskRootCheck.newBuilder().setTarget("/dev/vda").setChunkSize(4096)).build());
        byte[] genuine = MerkleTree.ofLeafHashes(List.of(MerkleTree.leafHash(java.util.Arrays.copyOfRange(disk, 0, 4096)),
                MerkleTree.leafHash(java.util.Arrays.copyOfRange(disk, 4096, 8192)),
                MerkleTree.leafHash(java.util.Arrays.copyOfRange(disk, 8192, 12288)))).root();
        CheckResult os = CheckResult.newBuilder().setOs(OsResult.newBuilder().setKernelCmdlineIncluded(true)
                .setKernelCmdline("initrd=initrd.img leo.nonce=" + NONCE)).build();
        CheckResult good = CheckResult.newBuilder().setDiskRoot(DiskRootResult.newBuilder().setTarget("/dev/vda").setSizeBytes(disk.length)
                .setChunkSize(4096).setRoot(ByteString.copyFrom(genuine))).build();
        assertThat(check.problems(baseline, EvidenceBody.newBuilder().addResults(os).addResults(good).build(), NONCE)).isEmpty();

        // A disk tampered before the baseline: its root is not the reference copy's.
        CheckResult tampered = good.toBuilder().setDiskRoot(good.getDiskRoot().toBuilder().setRoot(ByteString.copyFrom(new byte[32]))).build();
        assertThat(check.problems(baseline, EvidenceBody.newBuilder().addResults(os).addResults(tampered).build(), NONCE))
                .singleElement().asString().startsWith("disk /dev/vda has Merkle root 0000000000000000.. over 12288 bytes; the Pi's reference copy");
        // Another chunk size than the policy's, a chunk count over the cap, another boot's nonce.
        CheckResult zero = good.toBuilder().setDiskRoot(good.getDiskRoot().toBuilder().setChunkSize(0)).build();
        assertThat(check.problems(baseline, EvidenceBody.newBuilder().addResults(os).addResults(zero).build(), NONCE))
                .containsExactly("disk /dev/vda: chunk size 0, the policy's is 4096");
        CheckResult huge = good.toBuilder().setDiskRoot(good.getDiskRoot().toBuilder().setSizeBytes(Long.MAX_VALUE)).build();
        assertThat(check.problems(baseline, EvidenceBody.newBuilder().addResults(os).addResults(huge).build(), NONCE))
                .singleElement().asString().contains("over the cap of 262144");
        assertThat(check.problems(baseline, EvidenceBody.newBuilder().addResults(os).addResults(good).build(), "6b".repeat(32)))
                .containsExactly("the kernel command line does not carry this boot's nonce");
    }

    @Test
    void everyFindingIdIsCataloguedAndListedInTheTrustModel() throws IOException {
        String doc = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("docs/trust-model.md"));
        for (String id : FindingIds.all()) {
            String listed = id.startsWith("hardware.") ? "hardware.<bus>." + id.substring(id.lastIndexOf('.') + 1) : id;
            assertThat(doc).as("docs/trust-model.md lists %s", id).contains("`" + listed + "`");
        }
        for (String bus : FindingIds.BUSES) {
            assertThat(doc).contains("`" + bus + "`");
        }
        assertThatThrownBy(() -> new Findings(HPC, Policy.defaults()).add("x", "os.invented", "", "", "x"))
                .hasMessage("finding id 'os.invented' is not in the catalogue (FindingIds)");
        assertThatThrownBy(() -> Policy.of(Map.of("severity.hardware.usbb", "info")))
                .hasMessage("policy key 'severity.hardware.usbb' names no finding id (docs/trust-model.md lists them)");
        assertThat(Policy.of(Map.of("severity.hardware.usb", "info", "severity.evidence", "error")).severityOf("hardware.usb.added"))
                .isEqualTo(Severity.INFO);
    }
}
