package org.leo.attest.measured;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.eventlog.EventLogWriter;
import org.leo.protocol.tpm.eventlog.EventType;

/**
 * The measured-boot check on the real event log of an OVMF + swtpm boot of a UKI chained by iPXE
 * (protocol's fixture ovmf-uki.bin, captured by scripts/probe-measured-boot; its expected values
 * are the probe's, recomputed on the host there), and on crafted logs of the attacks: another
 * image booted after fetching the real one, another command line, a log that is not this boot's.
 */
class MeasuredBootCheckTest {
    static final HexFormat HEX = HexFormat.of();
    static final String NONCE = "eacf8e380084f9f7b3c7259e7aba0064960db4815addc35b7cb1c17aabbccd7d";
    static final String CMDLINE = "uki.efi leo.nonce=" + NONCE + " console=ttyS0 panic=10";
    static final UkiExpectation PROBE_UKI = new UkiExpectation(
            "f69ce7c1e42b9f4799020938002044690adfc61c4f1341c3a9b9ab6d1a4da8a4",
            "61e79ca0acd7e9f18984bea7b44650801ed54fd95a8786c16c583b86acf9d538",
            "51aaa259e2437238bb008362075d2ba685cf259ee4d7c9791eac3b0137d90efe",
            "9ed4b85e81a609e7b3723290e45afd2c2d17320c2625956ae97b217a3c60f80e", Set.of());

    static byte[] resource(String name) throws IOException {
        try (InputStream in = MeasuredBootCheckTest.class.getResourceAsStream("/org/leo/protocol/tpm/eventlog/" + name)) {
            return in.readAllBytes();
        }
    }

    /** The PCRs the guest read in that boot, for the PCRs the Pi quotes. */
    static Map<Integer, byte[]> quoted() throws IOException {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        for (String line : new String(resource("ovmf-uki.pcrs"), StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.trim().split(" ");
            int pcr = Integer.parseInt(f[0]);
            if (MeasuredBootCheck.PCRS.contains(pcr)) {
                m.put(pcr, HEX.parseHex(f[1]));
            }
        }
        return m;
    }

    @Test
    void theRealBootOfTheImageWithThisBootsCommandLinePasses() throws IOException {
        assertThat(MeasuredBootCheck.problems(resource("ovmf-uki.bin"), quoted(), PROBE_UKI, CMDLINE)).isEmpty();
    }

    @Test
    void anotherCommandLineIsRefusedByTheMeasuredText() throws IOException {
        assertThat(MeasuredBootCheck.problems(resource("ovmf-uki.bin"), quoted(), PROBE_UKI, CMDLINE.replace(NONCE, "00".repeat(32))))
                .containsExactly("PCR 12 event 37: the command line measured is '" + CMDLINE + "', this boot's is '"
                        + CMDLINE.replace(NONCE, "00".repeat(32)) + "'");
    }

    @Test
    void anEventLogThatDoesNotReplayToTheQuoteIsRefused() throws IOException {
        Map<Integer, byte[]> q = quoted();
        q.put(4, new byte[32]);
        assertThat(MeasuredBootCheck.problems(resource("ovmf-uki.bin"), q, PROBE_UKI, CMDLINE))
                .containsExactly("PCR 4: the event log replays to f877b15d2b9e3e7e.., the TPM quoted 0000000000000000.. (the log is not the one of this boot)");
    }

    @Test
    void aKernelOrInitrdDigestNotInTheManifestIsRefused() throws IOException {
        UkiExpectation other = new UkiExpectation("11".repeat(32), PROBE_UKI.kernelAuthenticode(), "22".repeat(32), "33".repeat(32), Set.of());
        List<String> p = MeasuredBootCheck.problems(resource("ovmf-uki.bin"), quoted(), other, CMDLINE);
        assertThat(p).contains("PCR 4 event 27 (EV_EFI_BOOT_SERVICES_APPLICATION): an EFI application with Authenticode digest f69ce7c1e42b9f47.. ran,"
                + " which is none of the signed manifest's (the UKI 1111111111111111.., its kernel 61e79ca0acd7e9f1..)");
        assertThat(p).anyMatch(s -> s.startsWith("PCR 11 is 9ed4b85e81a609e7.., the image's unified kernel image measures to 3333333333333333.."));
        assertThat(p).contains("PCR 9 event 40 (Linux initrd): the kernel loaded an initrd with sha256 51aaa259e2437238.., the image's is 2222222222222222..");
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /**
     * The attack of the issue, as the probe ran it: iPXE fetches (and check-loads) the real UKI,
     * then chains another one. The real UKI's digest is in PCR 4, but it is not what ran last.
     */
    @Test
    void fetchingTheImageThenBootingAnotherIsRefused() throws Exception {
        byte[] evilUki = sha256("another UKI".getBytes());
        byte[] evilKernel = HEX.parseHex(PROBE_UKI.kernelAuthenticode()); // even the same kernel
        byte[] cmd = EventLogWriter.utf16(CMDLINE);
        EventLogWriter w = EventLogWriter.sha256Only()
                .event(4, EventType.EV_EFI_ACTION, "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII))
                .event(4, EventType.EV_SEPARATOR, new byte[4])
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, HEX.parseHex(PROBE_UKI.ukiAuthenticode()), new byte[40])
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, evilUki, new byte[40])
                .eventWithSha256(11, EventType.EV_IPL, sha256("evil sections".getBytes()), EventLogWriter.utf16(".linux"))
                .event(12, EventType.EV_IPL, cmd, cmd)
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, evilKernel, new byte[40]);
        byte[] log = w.build();
        Map<Integer, byte[]> q = replayOf(log);
        List<String> p = MeasuredBootCheck.problems(log, q, PROBE_UKI, CMDLINE);
        assertThat(p).contains("PCR 4: the last EFI applications to run were [" + HEX.formatHex(evilUki).substring(0, 16) + ".., 61e79ca0acd7e9f1..], not the"
                + " image's UKI f69ce7c1e42b9f47.. and its kernel 61e79ca0acd7e9f1..");
        assertThat(p).anyMatch(s -> s.startsWith("PCR 4 event 4 (EV_EFI_BOOT_SERVICES_APPLICATION): an EFI application with Authenticode digest "
                + HEX.formatHex(evilUki).substring(0, 16)));
        assertThat(p).anyMatch(s -> s.startsWith("PCR 11 is "));
    }

    @Test
    void aCommandLineWithSomethingAddedIsRefused() throws Exception {
        byte[] cmd = EventLogWriter.utf16(CMDLINE + " init=/bin/sh");
        byte[] log = EventLogWriter.sha256Only().event(12, EventType.EV_IPL, cmd, cmd).build();
        List<String> p = MeasuredBootCheck.problems(log, replayOf(log), PROBE_UKI, CMDLINE);
        assertThat(p).contains("PCR 12 event 1: the command line measured is '" + CMDLINE + " init=/bin/sh', this boot's is '" + CMDLINE + "'");
    }

    @Test
    void garbageInsteadOfAnEventLogIsRefusedWithASentence() throws IOException {
        assertThat(MeasuredBootCheck.problems(new byte[] {1, 2, 3}, quoted(), PROBE_UKI, CMDLINE))
                .singleElement().asString().startsWith("the TPM event log cannot be read: ");
    }

    @Test
    void theMeasurementsFileIsParsed() {
        String text = "pcr4 authenticode " + PROBE_UKI.ukiAuthenticode() + "\npcr4 linux-authenticode " + PROBE_UKI.kernelAuthenticode()
                + "\npcr11 .linux:name " + "ab".repeat(32) + "\npcr11 .initrd " + PROBE_UKI.initrdSha256() + "\npcr11 value " + PROBE_UKI.pcr11() + "\n";
        assertThat(UkiExpectation.parse(text, Set.of())).isEqualTo(PROBE_UKI);
    }

    /** The quoted values a TPM that saw exactly {@code log} would show, for the PCRs the Pi quotes. */
    static Map<Integer, byte[]> replayOf(byte[] log) throws Exception {
        var replay = org.leo.protocol.tpm.eventlog.EventLogParser.parse(log).replay();
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        for (int pcr : MeasuredBootCheck.PCRS) {
            m.put(pcr, replay.value(pcr));
        }
        return m;
    }
}
