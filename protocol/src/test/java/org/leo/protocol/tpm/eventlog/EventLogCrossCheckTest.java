package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our replay against tpm2-tools' {@code tpm2_eventlog} (5.4) on crafted logs: the sha256 values
 * under its "pcrs:" section must equal ours for every PCR it lists, and it must list exactly the
 * PCRs we extended.
 */
@Tag("system")
class EventLogCrossCheckTest {
    private static final Pattern PCR_LINE = Pattern.compile("^\\s+(\\d+)\\s*:\\s*0x([0-9A-Fa-f]{64})\\s*$");

    @TempDir
    Path dir;

    @Test
    void tpm2EventlogReplaysEverySampleLogAsWeDo() throws Exception {
        assumeTrue(onPath("tpm2_eventlog"), "tpm2_eventlog is not on the PATH (apt-get install tpm2-tools)");
        int compared = 0;
        for (Map.Entry<String, byte[]> sample : SampleLogs.all().entrySet()) {
            EventLog log = EventLogParser.parse(sample.getValue());
            if (oldTpm2Tools() && log.events().stream().anyMatch(e -> e.type().equals(EventType.EV_NO_ACTION))) {
                continue; // see tpm2Eventlog54ExtendsNoActionEventsAndIgnoresStartupLocality
            }
            ReplayedPcrs ours = log.replay();
            Map<Integer, String> theirs = tpm2Eventlog(sample.getKey(), sample.getValue());
            assertThat(theirs.keySet()).as(sample.getKey()).containsExactlyElementsOf(ours.extendedPcrs());
            for (Map.Entry<Integer, String> pcr : theirs.entrySet()) {
                assertThat(pcr.getValue()).as("%s PCR %d", sample.getKey(), pcr.getKey()).isEqualTo(ours.hex(pcr.getKey()));
            }
            compared++;
        }
        assertThat(compared).isGreaterThanOrEqualTo(3);
    }

    @Test
    void tpm2EventlogReplaysTheRealOvmfLogAsWeDo() throws Exception {
        assumeTrue(onPath("tpm2_eventlog"), "tpm2_eventlog is not on the PATH (apt-get install tpm2-tools)");
        byte[] bytes;
        try (java.io.InputStream in = getClass().getResourceAsStream("ovmf-uki.bin")) {
            bytes = in.readAllBytes();
        }
        ReplayedPcrs ours = EventLogParser.parse(bytes).replay();
        Map<Integer, String> theirs = tpm2Eventlog("ovmf-uki", bytes);
        assertThat(theirs.keySet()).containsExactlyElementsOf(ours.extendedPcrs());
        for (Map.Entry<Integer, String> pcr : theirs.entrySet()) {
            assertThat(pcr.getValue()).as("PCR %d", pcr.getKey()).isEqualTo(ours.hex(pcr.getKey()));
        }
    }

    /**
     * tpm2-tools up to 5.5 extends EV_NO_ACTION events like any other (tpm2-tools issue #3224,
     * fixed by PR #3230) and knows no StartupLocality (PR #3242): its PCR 0 is then
     * SHA-256(SHA-256(0^32 || 0^32) || d). Ours follows the PFP (10.4.5.3): 0^31 || 03 extended
     * with d. A newer tpm2-tools must agree with us.
     */
    @Test
    void tpm2Eventlog54ExtendsNoActionEventsAndIgnoresStartupLocality() throws Exception {
        assumeTrue(onPath("tpm2_eventlog"), "tpm2_eventlog is not on the PATH (apt-get install tpm2-tools)");
        byte[] d = EventLogWriter.sha256(EventLogWriter.utf16("1.0"));
        byte[] log = EventLogWriter.sha1AndSha256().startupLocality(3).event(0, EventType.EV_S_CRTM_VERSION, EventLogWriter.utf16("1.0")).build();
        ReplayedPcrs ours = EventLogParser.parse(log).replay();
        byte[] initial = new byte[32];
        initial[31] = 3;
        assertThat(ours.value(0)).isEqualTo(EventLogWriter.extend(initial, d));
        String theirs = tpm2Eventlog("locality3", log).get(0);
        if (oldTpm2Tools()) {
            byte[] zero = new byte[32];
            assertThat(theirs).isEqualTo(HexFormat.of().formatHex(EventLogWriter.extend(EventLogWriter.extend(zero, zero), d)));
        } else {
            assertThat(theirs).isEqualTo(ours.hex(0));
        }
    }

    /** tpm2-tools starts PCRs 17-22 at zero; a static-RTM TPM (and our replay) starts them at all ones. */
    @Test
    void tpm2EventlogStartsPcr17AtZeroWhereWeStartAtAllOnes() throws Exception {
        assumeTrue(onPath("tpm2_eventlog"), "tpm2_eventlog is not on the PATH (apt-get install tpm2-tools)");
        byte[] d = EventLogWriter.sha256("x".getBytes(StandardCharsets.US_ASCII));
        byte[] log = EventLogWriter.sha256Only().eventWithSha256(17, EventType.EV_POST_CODE, d, new byte[] {'x'}).build();
        String theirs = tpm2Eventlog("pcr17", log).get(17);
        assertThat(theirs).isEqualTo(HexFormat.of().formatHex(EventLogWriter.extend(new byte[32], d)));
        byte[] ones = new byte[32];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        assertThat(EventLogParser.parse(log).replay().value(17)).isEqualTo(EventLogWriter.extend(ones, d));
    }

    /** Runs tpm2_eventlog on {@code log}; returns PCR -> lower-case hex of its sha256 "pcrs:" section. */
    private Map<Integer, String> tpm2Eventlog(String name, byte[] log) throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".bin");
        Files.write(file, log);
        Process p = new ProcessBuilder("tpm2_eventlog", file.toString())
                .redirectError(dir.resolve(name + ".stderr").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tpm2_eventlog finished").isTrue();
        assertThat(p.exitValue()).as("tpm2_eventlog %s exit code; stderr: %s", name,
                Files.readString(dir.resolve(name + ".stderr"))).isZero();
        Map<Integer, String> pcrs = new TreeMap<>();
        boolean inPcrs = false;
        boolean inSha256 = false;
        for (String line : out.split("\n")) {
            if (line.equals("pcrs:")) {
                inPcrs = true;
            } else if (inPcrs && line.matches("^  \\S+:\\s*$")) {
                inSha256 = line.trim().equals("sha256:");
            } else if (inPcrs && inSha256) {
                Matcher m = PCR_LINE.matcher(line);
                if (m.matches()) {
                    pcrs.put(Integer.parseInt(m.group(1)), m.group(2).toLowerCase());
                }
            }
        }
        assertThat(pcrs).as("tpm2_eventlog %s printed sha256 PCRs:\n%s", name, out).isNotEmpty();
        return pcrs;
    }

    /** tpm2-tools 5.4 (Debian 12) or 5.5, which extend EV_NO_ACTION events. */
    private boolean oldTpm2Tools() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tpm2_eventlog", "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.contains("version=\"5.4") || out.contains("version=\"5.5") || out.contains("version=\"5.3");
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
