package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.eventlog.EventText.Encoding;

/**
 * A real event log: OVMF 2022.11 + swtpm booting a UKI (systemd-stub 252, Linux 6.1) through
 * iPXE, and the sha256 PCRs the guest read in the same boot (resources ovmf-uki.bin/.pcrs, see
 * the README beside them). The replay must reproduce every PCR the firmware log covers.
 */
class OvmfEventLogTest {
    /** PCR 10 is IMA's: the kernel extends it after boot, outside the firmware log. */
    private static final int IMA_PCR = 10;

    @Test
    void parsesTheRealLog() throws Exception {
        EventLog log = EventLogParser.parse(resource("ovmf-uki.bin"));
        assertThat(log.events()).hasSize(42);
        assertThat(log.specId().algorithms()).extracting(SpecIdEvent.DigestSize::algorithmId).containsExactly(0x4, 0xB, 0xC, 0xD);
        assertThat(log.specId().uintnSize()).isEqualTo(SpecIdEvent.UINTN_UINT64);
        assertThat(log.events()).allSatisfy(e -> assertThat(e.type().isKnown()).isTrue());
    }

    @Test
    void replayReproducesThePcrsTheGuestRead() throws Exception {
        ReplayedPcrs replay = EventLogParser.parse(resource("ovmf-uki.bin")).replay();
        Map<Integer, String> read = pcrs(new String(resource("ovmf-uki.pcrs"), StandardCharsets.US_ASCII));
        assertThat(read).containsKeys(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12);
        for (Map.Entry<Integer, String> pcr : read.entrySet()) {
            if (pcr.getKey() != IMA_PCR) {
                assertThat(replay.hex(pcr.getKey())).as("PCR %d", pcr.getKey()).isEqualTo(pcr.getValue());
            }
        }
        assertThat(replay.extendedPcrs()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12);
    }

    @Test
    void decodesWhatFirmwareSystemdStubAndTheKernelLogged() throws Exception {
        EventLog log = EventLogParser.parse(resource("ovmf-uki.bin"));
        List<LogEvent> images = log.events().stream().filter(e -> e.type().equals(EventType.EV_EFI_BOOT_SERVICES_APPLICATION)).toList();
        assertThat(images).hasSize(3).allMatch(e -> e.pcr() == 4);
        for (LogEvent e : images) {
            UefiImageLoadEvent image = UefiImageLoadEvent.decode(log, e);
            assertThat(image.devicePath().length).isEqualTo(e.dataSize() - 32);
        }

        List<String> sections = log.events().stream().filter(e -> e.pcr() == 11).map(e -> text(e)).toList();
        assertThat(sections).containsExactly(".linux", ".linux", ".osrel", ".osrel", ".cmdline", ".cmdline", ".initrd", ".initrd");

        LogEvent cmdline = log.events().stream().filter(e -> e.pcr() == 12).findFirst().orElseThrow();
        EventText text = EventText.decode(cmdline);
        assertThat(text.encoding()).isEqualTo(Encoding.UTF16LE);
        assertThat(text.text()).startsWith("uki.efi leo.nonce=eacf8e38").endsWith(" console=ttyS0 panic=10");
        // systemd-stub measures the command line it logs as its description: the data verifies the digest
        assertThat(EventLogWriter.sha256(EventLogWriter.utf16(text.text()))).isEqualTo(cmdline.sha256().orElseThrow());

        List<LogEvent> tagged = log.events().stream().filter(e -> e.type().equals(EventType.EV_EVENT_TAG)).toList();
        assertThat(tagged).hasSize(2).allMatch(e -> e.pcr() == 9);
        TaggedEvent options = TaggedEvent.decode(tagged.get(0));
        TaggedEvent initrd = TaggedEvent.decode(tagged.get(1));
        assertThat(options.tagId()).isEqualTo(TaggedEvent.LINUX_LOAD_OPTIONS);
        assertThat(options.text().text()).isEqualTo("LOADED_IMAGE::LoadOptions");
        assertThat(initrd.tagId()).isEqualTo(TaggedEvent.LINUX_INITRD);
        assertThat(initrd.text()).isEqualTo(new EventText("Linux initrd", Encoding.ASCII));
        // the kernel hashes what the stub handed it: the same bytes the stub measured
        assertThat(tagged.get(0).sha256().orElseThrow()).isEqualTo(cmdline.sha256().orElseThrow());
        LogEvent initrdSection = log.events().stream().filter(e -> e.pcr() == 11).toList().get(7);
        assertThat(tagged.get(1).sha256().orElseThrow()).isEqualTo(initrdSection.sha256().orElseThrow());
    }

    private static String text(LogEvent e) {
        try {
            return EventText.decode(e).text();
        } catch (EventLogFormatException x) {
            throw new AssertionError(x);
        }
    }

    /** "N hex" lines. */
    private static Map<Integer, String> pcrs(String text) {
        Map<Integer, String> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                String[] f = line.trim().split("\\s+");
                out.put(Integer.parseInt(f[0]), HexFormat.of().formatHex(HexFormat.of().parseHex(f[1])));
            }
        }
        return out;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = OvmfEventLogTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
