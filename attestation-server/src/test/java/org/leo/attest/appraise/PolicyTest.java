package org.leo.attest.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.action.Action;

class PolicyTest {
    @TempDir
    Path tmp;

    static Path sample() {
        return Path.of(System.getProperty("basedir", "."), "..", "docs", "attestation-policy.sample");
    }

    /** docs/attestation-policy.sample lists every key with its built-in default. */
    @Test
    void theSampleListsEveryDefault() throws Exception {
        String text = Files.readString(sample());
        Policy d = Policy.defaults();
        for (String key : Policy.defaultKeys()) {
            Matcher m = Pattern.compile("(?m)^#" + Pattern.quote(key) + "=(.*)$").matcher(text);
            assertThat(m.find()).as("sample lists %s", key).isTrue();
            assertThat(m.group(1)).as("sample default of %s", key).isEqualTo(d.get(key));
        }
        // Uncommented, the sample is a valid policy with its example disk and memory region.
        Path p = tmp.resolve("policy.properties");
        Files.writeString(p, text.replaceAll("(?m)^#(\\w[^=\\s]*=)", "$1"));
        Policy all = Policy.load(p);
        assertThat(all.disks()).extracting(Policy.DiskTarget::hpcPath).containsExactly("/dev/vda");
        assertThat(all.memoryRegions()).extracting(Policy.MemoryRegion::name).containsExactly("kernel_text");
    }

    @Test
    void severitiesAreLookedUpHierarchically() {
        Policy p = Policy.of(Map.of("severity.hardware.usb", "warning"));
        assertThat(p.severityOf("hardware.usb.added")).isEqualTo(Severity.WARNING);
        assertThat(p.severityOf("hardware.pci.added")).isEqualTo(Severity.CRITICAL);
        assertThat(p.severityOf("os.process.new")).isEqualTo(Severity.ERROR);
        assertThat(p.severityOf("something.else")).isEqualTo(Severity.ERROR);
        assertThat(p.actionsFor(Severity.CRITICAL)).containsExactly(Action.RECORD, Action.ALERT, Action.STOP_TASK,
                Action.CUT_NETWORK, Action.POWER_CYCLE);
    }

    @Test
    void badPoliciesAreRefusedAtStartWithTheKeyNamed() {
        for (var c : List.of(
                Map.entry(Map.of("challenge.meam-seconds", "3"), "unknown policy key 'challenge.meam-seconds'"),
                Map.entry(Map.of("challenge.mean-seconds", "soon"), "challenge.mean-seconds must be seconds from 0 to 86400, got 'soon'"),
                Map.entry(Map.of("challenge.min-seconds", "60"), "challenge.min-seconds <= challenge.mean-seconds <= challenge.max-seconds is required, got 60, 30, 300"),
                Map.entry(Map.of("check.os.probability", "1.5"), "check.os.probability must be a probability from 0 to 1, got '1.5'"),
                Map.entry(Map.of("severity.os", "bad"), "unknown severity 'bad' (expected info, warning, error or critical)"),
                Map.entry(Map.of("action.error", "reboot"), "unknown action 'reboot' (record, alert, stop-task, cut-network, power-cycle)"),
                Map.entry(Map.of("disk.x.path", "vda"), "disk.x.path must be an absolute path on the HPC, got 'vda'"),
                Map.entry(Map.of("disk.x.path", "/dev/vda", "disk.x.chunk-size", "1000"), "disk.x.chunk-size must be a power of two from 4096 to 64 MiB, got 1000"),
                Map.entry(Map.of("disk.x.paht", "/dev/vda"), "unknown key 'disk.x.paht' (path, chunk-size, spot-chunks, reference)"),
                Map.entry(Map.of("memory.m.size", "10", "memory.m.read-length", "20"), "memory.m: size must be > 0 and 0 < read-length <= min(size, 1 MiB)"))) {
            assertThatThrownBy(() -> Policy.of(c.getKey())).as("%s", c.getKey()).hasMessage(c.getValue());
        }
    }
}
