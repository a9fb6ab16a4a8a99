package org.leo.attest.appraise;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The catalogue of finding ids: every id the server can report, in one place. {@link Findings}
 * refuses an id that is not here, the policy refuses a {@code severity.} key that names neither an
 * id nor a prefix of one, and a test checks that docs/trust-model.md lists every id. Hardware ids
 * are {@code hardware.<bus>.<change>} for the fixed set of {@link #BUSES}: the bus an agent names
 * never becomes part of an id unless it is one of them.
 */
public final class FindingIds {
    /** The hardware buses the agent reports on; anything else is malformed evidence. */
    public static final List<String> BUSES = List.of("dmi", "cpu", "pci", "usb", "block", "nic");
    static final List<String> HARDWARE_CHANGES = List.of("added", "removed", "changed");

    private static final List<String> FIXED = List.of(
            "os.cmdline.nonce", "os.cmdline.changed", "os.module.loaded", "os.module.unloaded",
            "os.process.new", "os.process.exe_changed", "os.process.gone", "os.rootfs.changed",
            "network.listen.new", "network.listen.gone", "network.connection.new",
            "network.interface.added", "network.interface.removed", "network.interface.changed",
            "network.route.added", "network.route.removed", "network.egress.blocked",
            "disk.root.changed", "disk.chunk.changed", "disk.changed", "disk.spot.unverifiable", "disk.reference.unreadable",
            "tpm.ak.changed", "tpm.pcr.changed", "tpm.quote.invalid",
            "challenge.missed", "baseline.invalid", "agent.silent",
            "stream.dropped", "stream.restored", "stream.superseded", "stream.reconnect_storm",
            "evidence.bad_signature", "evidence.malformed", "evidence.oversized", "evidence.replayed",
            "evidence.stale", "evidence.wrong_nonce", "evidence.incomplete", "evidence.mismatched",
            "check.error", "findings.overflow", "appraisal.failed", "log.throttled",
            "task.unexpected-container", "task.container-missing", "task.unexpected-image", "task.unexpected-volume",
            "task.engine-missing", "task.netns-interface", "task.unexpected-netns", "task.netns-shared",
            "task.new-mount", "task.mount-gone", "task.mount-changed", "task.collect-error");

    private static final Set<String> ALL;
    private static final Set<String> PREFIXES;

    static {
        Set<String> all = new LinkedHashSet<>(FIXED);
        for (String bus : BUSES) {
            for (String change : HARDWARE_CHANGES) {
                all.add("hardware." + bus + "." + change);
            }
        }
        Set<String> prefixes = new LinkedHashSet<>();
        for (String id : all) {
            for (int dot = id.indexOf('.'); dot > 0; dot = id.indexOf('.', dot + 1)) {
                prefixes.add(id.substring(0, dot));
            }
        }
        ALL = Collections.unmodifiableSet(all);
        PREFIXES = Collections.unmodifiableSet(prefixes);
    }

    private FindingIds() {
    }

    /** Every finding id, hardware ids expanded. */
    public static List<String> all() {
        return new ArrayList<>(ALL);
    }

    public static boolean known(String id) {
        return ALL.contains(id);
    }

    /** Whether {@code key} is an id or a dotted prefix of one ("hardware", "hardware.usb"): what a severity key may name. */
    public static boolean policyKey(String key) {
        return ALL.contains(key) || PREFIXES.contains(key);
    }

    /** The id of a hardware change on {@code bus}; the bus must be one of {@link #BUSES}. */
    public static String hardware(String bus, String change) {
        String id = "hardware." + bus + "." + change;
        if (!ALL.contains(id)) {
            throw new IllegalArgumentException("no finding id for bus '" + Printable.of(bus, 32) + "' and change '" + change + "'");
        }
        return id;
    }
}
