package org.leo.attest.measured;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.attest.appraise.Printable;
import org.leo.protocol.tpm.eventlog.EventLog;
import org.leo.protocol.tpm.eventlog.EventLogFormatException;
import org.leo.protocol.tpm.eventlog.EventText;
import org.leo.protocol.tpm.eventlog.EventType;
import org.leo.protocol.tpm.eventlog.LogEvent;
import org.leo.protocol.tpm.eventlog.ReplayedPcrs;
import org.leo.protocol.tpm.eventlog.TaggedEvent;
import org.leo.boot.manifest.Sha256;

/**
 * Did the HPC run what the Pi served, and with this boot's command line? A pure check of the TCG
 * event log against PCR values the HPC's TPM quoted (the quote was verified before: signature by
 * the credential-activated AK, the Pi's nonce). Trust per field, as in go-attestation: an event's
 * digest is trusted only because the replay of all digests reproduces the quoted PCR; its type and
 * data are claims, used only where their digest covers them (the command line) or to name an event
 * in a sentence.
 *
 * <ol>
 *   <li>Every quoted PCR equals the replay of the log.
 *   <li>PCR 4: every EFI application loaded (EV_EFI_BOOT_SERVICES_APPLICATION) is an artifact of the
 *       signed manifest (the UKI, the kernel inside it, iPXE), and the last two are the UKI and its
 *       kernel. (The probe saw the UKI measured twice: iPXE loads an image once to check it, so the
 *       UKI's digest in the log proves nothing by itself; what ran last does.)
 *   <li>PCR 11 is the value the UKI's sections measure to (another UKI, another initrd: another value).
 *   <li>PCR 12 holds exactly one event, the command line systemd-stub was given, and it is this
 *       boot's, byte for byte (UTF-16LE with its NUL): its nonce, and nothing added such as
 *       {@code init=/bin/sh}.
 *   <li>PCR 9: the kernel's "Linux initrd" event, if present, is the image's initrd.
 * </ol>
 */
public final class MeasuredBootCheck {
    /** The PCRs the Pi asks the HPC to quote at enrollment: firmware (0-7), kernel/initrd (8, 9), UKI (11), command line (12); not IMA's 10. */
    public static final List<Integer> PCRS = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12);

    private MeasuredBootCheck() {
    }

    /**
     * Every reason the boot is not the measured image with {@code expectedCmdline}; empty if it is.
     *
     * @param quoted the quoted sha256 PCR values by PCR (from a verified quote)
     */
    public static List<String> problems(byte[] eventLog, Map<Integer, byte[]> quoted, UkiExpectation expected, String expectedCmdline) {
        List<String> problems = new ArrayList<>();
        EventLog log;
        ReplayedPcrs replay;
        try {
            log = org.leo.protocol.tpm.eventlog.EventLogParser.parse(eventLog);
            replay = log.replay();
        } catch (EventLogFormatException e) {
            problems.add("the TPM event log cannot be read: " + e.getMessage());
            return problems;
        }
        for (Map.Entry<Integer, byte[]> q : quoted.entrySet()) {
            if (!replay.matches(q.getKey(), q.getValue())) {
                problems.add("PCR " + q.getKey() + ": the event log replays to " + shortHex(replay.hex(q.getKey())) + ", the TPM quoted "
                        + shortHex(UkiExpectation.hex(q.getValue())) + " (the log is not the one of this boot)");
            }
        }
        if (!problems.isEmpty()) {
            return problems; // no event of an unreplayable log can be trusted
        }
        for (int pcr : List.of(4, 9, 11, 12)) {
            if (!quoted.containsKey(pcr)) {
                problems.add("PCR " + pcr + " was not quoted");
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        applications(log, expected, problems);
        if (!replay.hex(11).equals(expected.pcr11())) {
            problems.add("PCR 11 is " + shortHex(replay.hex(11)) + ", the image's unified kernel image measures to " + shortHex(expected.pcr11())
                    + ": another kernel image, initrd or command line section ran");
        }
        commandLine(log, expectedCmdline, problems);
        initrd(log, expected, problems);
        return problems;
    }

    private static void applications(EventLog log, UkiExpectation expected, List<String> problems) {
        List<String> ran = new ArrayList<>();
        java.util.Set<String> allowed = expected.allowedApplications();
        for (LogEvent e : log.events()) {
            if (e.pcr() != 4 || !e.type().equals(EventType.EV_EFI_BOOT_SERVICES_APPLICATION)) {
                continue;
            }
            String digest = e.sha256().map(UkiExpectation::hex).orElse("");
            ran.add(digest);
            if (!allowed.contains(digest)) {
                problems.add("PCR 4 event " + e.index() + " (EV_EFI_BOOT_SERVICES_APPLICATION): an EFI application with Authenticode digest "
                        + shortHex(digest) + " ran, which is none of the signed manifest's (the UKI " + shortHex(expected.ukiAuthenticode())
                        + ", its kernel " + shortHex(expected.kernelAuthenticode()) + ")");
            }
        }
        int n = ran.size();
        if (n < 2 || !ran.get(n - 2).equals(expected.ukiAuthenticode()) || !ran.get(n - 1).equals(expected.kernelAuthenticode())) {
            problems.add("PCR 4: the last EFI applications to run were " + ran.subList(Math.max(0, n - 2), n).stream().map(MeasuredBootCheck::shortHex).toList()
                    + ", not the image's UKI " + shortHex(expected.ukiAuthenticode()) + " and its kernel " + shortHex(expected.kernelAuthenticode()));
        }
    }

    private static void commandLine(EventLog log, String expectedCmdline, List<String> problems) {
        List<LogEvent> pcr12 = log.events().stream().filter(e -> e.pcr() == 12 && !e.type().equals(EventType.EV_NO_ACTION)).toList();
        byte[] want = sha256(utf16WithNul(expectedCmdline));
        if (pcr12.size() != 1) {
            problems.add("PCR 12 holds " + pcr12.size() + " events; exactly one, the command line '" + Printable.of(expectedCmdline, 160)
                    + "', is expected");
            return;
        }
        LogEvent e = pcr12.get(0);
        byte[] got = e.sha256().orElse(new byte[0]);
        if (!Arrays.equals(got, want)) {
            problems.add("PCR 12 event " + e.index() + ": the command line measured is " + measuredText(e) + ", this boot's is '"
                    + Printable.of(expectedCmdline, 160) + "'");
        }
    }

    /** The event's text, if its data is what its digest covers; otherwise says so. */
    private static String measuredText(LogEvent e) {
        Optional<byte[]> d = e.sha256();
        if (d.isEmpty() || !Arrays.equals(d.get(), sha256(e.data()))) {
            return "(an event whose data is not what its digest covers)";
        }
        try {
            return "'" + Printable.of(EventText.decode(e).text(), 160) + "'";
        } catch (EventLogFormatException notText) {
            return "(not a text: " + notText.getMessage() + ")";
        }
    }

    private static void initrd(EventLog log, UkiExpectation expected, List<String> problems) {
        for (LogEvent e : log.events()) {
            if (e.pcr() != 9 || !e.type().equals(EventType.EV_EVENT_TAG)) {
                continue;
            }
            try {
                if (TaggedEvent.decode(e).tagId() == TaggedEvent.LINUX_INITRD) {
                    String got = e.sha256().map(UkiExpectation::hex).orElse("");
                    if (!got.equals(expected.initrdSha256())) {
                        problems.add("PCR 9 event " + e.index() + " (Linux initrd): the kernel loaded an initrd with sha256 " + shortHex(got)
                                + ", the image's is " + shortHex(expected.initrdSha256()));
                    }
                }
            } catch (EventLogFormatException notTagged) {
                problems.add("PCR 9 event " + e.index() + ": " + notTagged.getMessage());
            }
        }
    }

    /** What systemd-stub 252 hashes for a command line: UTF-16LE with the terminating NUL. */
    static byte[] utf16WithNul(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_16LE);
        return Arrays.copyOf(text, text.length + 2);
    }

    private static byte[] sha256(byte[] b) {
        MessageDigest md = Sha256.newDigest();
        return md.digest(b);
    }

    private static String shortHex(String hex) {
        return hex.length() <= 16 ? hex : hex.substring(0, 16) + "..";
    }
}
