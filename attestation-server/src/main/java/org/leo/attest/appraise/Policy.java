package org.leo.attest.appraise;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.leo.attest.action.Action;

/**
 * The attestation policy: how often and with what to challenge, which disks and memory regions to
 * cover, which differences are findings of which severity, and what each severity makes the server
 * do. Read from a properties file ({@code docs/attestation-policy.sample} lists every key with its
 * default); unknown keys are refused so a typo does not silently weaken the policy.
 *
 * <p>Severity lookup is hierarchical: for "hardware.usb.added" the first of
 * {@code severity.hardware.usb.added}, {@code severity.hardware.usb}, {@code severity.hardware},
 * {@code severity.default} that is set wins.
 */
public final class Policy {
    /** A disk target: the path on the HPC, its chunk size, spot chunks per challenge and an optional reference copy on the Pi. */
    public record DiskTarget(String name, String hpcPath, int chunkSize, int spotChunks, Path reference) { }

    /** A memory region the agent knows by name, with its size (offsets are drawn below it). */
    public record MemoryRegion(String name, long size, int readLength) { }

    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("challenge.mean-seconds", "30");
        DEFAULTS.put("challenge.min-seconds", "1");
        DEFAULTS.put("challenge.max-seconds", "300");
        DEFAULTS.put("challenge.deadline-seconds", "30");
        DEFAULTS.put("stream.grace-seconds", "15");
        DEFAULTS.put("stream.max-opens-per-interval", "3");
        DEFAULTS.put("contain.silence-seconds", "60");
        DEFAULTS.put("log.max-findings-per-minute", "300");
        DEFAULTS.put("check.os.probability", "0.9");
        DEFAULTS.put("check.hardware.probability", "0.7");
        DEFAULTS.put("check.network.probability", "0.7");
        DEFAULTS.put("check.disk-root.probability", "0.1");
        DEFAULTS.put("check.disk-spot.probability", "0.6");
        DEFAULTS.put("check.memory.probability", "0.5");
        DEFAULTS.put("check.tpm.probability", "0.0");
        DEFAULTS.put("check.rootfs.probability", "0.3");
        DEFAULTS.put("check.task-state.probability", "1.0");
        DEFAULTS.put("tpm.pcrs", "0,1,2,3,4,5,6,7");
        DEFAULTS.put("tpm.required", "true");
        DEFAULTS.put("ignore.process.comm", "");
        DEFAULTS.put("ignore.listen", "");
        DEFAULTS.put("severity.default", "error");
        DEFAULTS.put("severity.hardware", "critical");
        DEFAULTS.put("severity.disk", "critical");
        DEFAULTS.put("severity.tpm", "critical");
        DEFAULTS.put("severity.os.process.new", "error");
        DEFAULTS.put("severity.os.process.gone", "warning");
        DEFAULTS.put("severity.os.cmdline", "critical");
        DEFAULTS.put("severity.network.listen.new", "error");
        DEFAULTS.put("severity.network.connection.new", "error");
        DEFAULTS.put("severity.network.egress.blocked", "error");
        DEFAULTS.put("severity.challenge.missed", "error");
        DEFAULTS.put("severity.stream.dropped", "error");
        DEFAULTS.put("severity.stream.restored", "info");
        DEFAULTS.put("severity.stream.superseded", "critical");
        DEFAULTS.put("severity.stream.reconnect_storm", "warning");
        DEFAULTS.put("severity.agent.silent", "critical");
        DEFAULTS.put("severity.baseline.invalid", "critical");
        DEFAULTS.put("severity.evidence", "critical");
        DEFAULTS.put("severity.findings.overflow", "error");
        DEFAULTS.put("severity.appraisal.failed", "critical");
        DEFAULTS.put("severity.log.throttled", "warning");
        DEFAULTS.put("severity.check.error", "warning");
        DEFAULTS.put("severity.task", "error");
        DEFAULTS.put("severity.task.netns-interface", "critical");
        DEFAULTS.put("severity.task.netns-shared", "critical");
        DEFAULTS.put("severity.task.container-missing", "warning");
        DEFAULTS.put("severity.task.collect-error", "warning");
        DEFAULTS.put("action.info", "record");
        DEFAULTS.put("action.warning", "record,alert");
        DEFAULTS.put("action.error", "record,alert,stop-task");
        DEFAULTS.put("action.critical", "record,alert,stop-task,cut-network,power-cycle");
        DEFAULTS.put("action.cooldown-seconds", "120");
    }

    private final Map<String, String> values;
    private final List<DiskTarget> disks;
    private final List<MemoryRegion> memory;
    private final Map<Severity, List<Action>> actions = new EnumMap<>(Severity.class);

    private Policy(Map<String, String> values, List<DiskTarget> disks, List<MemoryRegion> memory) {
        this.values = values;
        this.disks = List.copyOf(disks);
        this.memory = List.copyOf(memory);
        for (Severity s : Severity.values()) {
            List<Action> list = new ArrayList<>();
            for (String a : csv(get("action." + s.lower()))) {
                list.add(Action.parse(a));
            }
            actions.put(s, List.copyOf(list));
        }
        // Fail at start, not at the first finding: every number must parse.
        for (String k : values.keySet()) {
            if (k.endsWith("-seconds")) {
                seconds(k);
            } else if (k.endsWith(".probability")) {
                probability(k);
            } else if (k.startsWith("severity.")) {
                Severity.parse(values.get(k));
                String id = k.substring("severity.".length());
                if (!id.equals("default") && !FindingIds.policyKey(id)) {
                    throw new IllegalArgumentException("policy key '" + k + "' names no finding id (docs/trust-model.md lists them)");
                }
            }
        }
        maxOpensPerInterval();
        maxFindingsPerMinute();
        tpmRequired();
        if (meanInterval().compareTo(minInterval()) < 0 || maxInterval().compareTo(meanInterval()) < 0) {
            throw new IllegalArgumentException("challenge.min-seconds <= challenge.mean-seconds <= challenge.max-seconds is required, got "
                    + get("challenge.min-seconds") + ", " + get("challenge.mean-seconds") + ", " + get("challenge.max-seconds"));
        }
    }

    public static Policy defaults() {
        return of(Map.of());
    }

    public static Policy load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
        try {
            return of(m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** A policy from {@code overrides} over the defaults. */
    public static Policy of(Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        Map<String, Map<String, String>> diskKeys = new LinkedHashMap<>();
        Map<String, Map<String, String>> memKeys = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(overrides).entrySet()) {
            String k = e.getKey();
            if (k.startsWith("disk.") || k.startsWith("memory.")) {
                String[] parts = k.split("\\.", 3);
                if (parts.length != 3 || parts[1].isEmpty()) {
                    throw new IllegalArgumentException("key '" + k + "': expected " + parts[0] + ".<name>.<property>");
                }
                (parts[0].equals("disk") ? diskKeys : memKeys).computeIfAbsent(parts[1], n -> new LinkedHashMap<>()).put(parts[2], e.getValue());
            } else if (DEFAULTS.containsKey(k) || k.startsWith("severity.")) {
                v.put(k, e.getValue());
            } else {
                throw new IllegalArgumentException("unknown policy key '" + k + "'");
            }
        }
        List<DiskTarget> disks = new ArrayList<>();
        diskKeys.forEach((name, m) -> disks.add(disk(name, m)));
        List<MemoryRegion> mem = new ArrayList<>();
        memKeys.forEach((name, m) -> mem.add(memory(name, m)));
        return new Policy(v, disks, mem);
    }

    private static DiskTarget disk(String name, Map<String, String> m) {
        for (String k : m.keySet()) {
            if (!List.of("path", "chunk-size", "spot-chunks", "reference").contains(k)) {
                throw new IllegalArgumentException("unknown key 'disk." + name + "." + k + "' (path, chunk-size, spot-chunks, reference)");
            }
        }
        String path = m.get("path");
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("disk." + name + ".path must be an absolute path on the HPC, got '" + path + "'");
        }
        int chunk = Integer.parseInt(m.getOrDefault("chunk-size", "1048576"));
        if (chunk < 4096 || Integer.bitCount(chunk) != 1 || chunk > 64 << 20) {
            throw new IllegalArgumentException("disk." + name + ".chunk-size must be a power of two from 4096 to 64 MiB, got " + chunk);
        }
        int spots = Integer.parseInt(m.getOrDefault("spot-chunks", "4"));
        if (spots < 1 || spots > 64) {
            throw new IllegalArgumentException("disk." + name + ".spot-chunks must be 1..64, got " + spots);
        }
        String ref = m.get("reference");
        return new DiskTarget(name, path, chunk, spots, ref == null || ref.isEmpty() ? null : Path.of(ref));
    }

    private static MemoryRegion memory(String name, Map<String, String> m) {
        for (String k : m.keySet()) {
            if (!List.of("size", "read-length").contains(k)) {
                throw new IllegalArgumentException("unknown key 'memory." + name + "." + k + "' (size, read-length)");
            }
        }
        long size = Long.parseLong(m.getOrDefault("size", "0"));
        int len = Integer.parseInt(m.getOrDefault("read-length", "4096"));
        if (size <= 0 || len <= 0 || len > 1 << 20 || len > size) {
            throw new IllegalArgumentException("memory." + name + ": size must be > 0 and 0 < read-length <= min(size, 1 MiB)");
        }
        return new MemoryRegion(name, size, len);
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no policy key '" + key + "'");
        }
        return v;
    }

    public Duration seconds(String key) {
        String v = get(key);
        try {
            double s = Double.parseDouble(v);
            if (!(s >= 0) || s > 86_400) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos((long) (s * 1e9));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be seconds from 0 to 86400, got '" + v + "'");
        }
    }

    public double probability(String key) {
        String v = get(key);
        try {
            double p = Double.parseDouble(v);
            if (!(p >= 0 && p <= 1)) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a probability from 0 to 1, got '" + v + "'");
        }
    }

    public Duration meanInterval() {
        return seconds("challenge.mean-seconds");
    }

    public Duration minInterval() {
        return seconds("challenge.min-seconds");
    }

    public Duration maxInterval() {
        return seconds("challenge.max-seconds");
    }

    public Duration deadline() {
        return seconds("challenge.deadline-seconds");
    }

    public Duration streamGrace() {
        return seconds("stream.grace-seconds");
    }

    /** How long an HPC may stay unresponsive (a missed deadline or a dropped stream) before {@code agent.silent}. */
    public Duration silenceBound() {
        return seconds("contain.silence-seconds");
    }

    /** Streams an HPC may open within one mean challenge interval; more are refused. */
    public int maxOpensPerInterval() {
        return positiveInt("stream.max-opens-per-interval");
    }

    /** Finding entries the log takes per HPC per minute; the rest are counted, not written. */
    public int maxFindingsPerMinute() {
        return positiveInt("log.max-findings-per-minute");
    }

    private int positiveInt(String key) {
        String v = get(key);
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of at least 1, got '" + v + "'");
        }
    }

    public Duration actionCooldown() {
        return seconds("action.cooldown-seconds");
    }

    public List<DiskTarget> disks() {
        return disks;
    }

    public List<MemoryRegion> memoryRegions() {
        return memory;
    }

    /**
     * Whether an HPC must enroll with a measured boot checked by its TPM (credential activation
     * against a pinned, manufacturer-certified EK; a quote over the event log of the UKI's boot).
     * False keeps enrollment by the boot nonce alone, and what the HPC runs is then a claim.
     */
    public boolean tpmRequired() {
        String v = get("tpm.required");
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("tpm.required must be true or false, got '" + v + "'");
        };
    }

    /** The PCRs to quote, ascending and distinct (as a quote lists them). */
    public List<Integer> tpmPcrs() {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (String s : csv(get("tpm.pcrs"))) {
            int pcr = Integer.parseInt(s);
            if (pcr < 0 || pcr > 23) {
                throw new IllegalArgumentException("tpm.pcrs: PCR " + pcr + " out of 0..23");
            }
            out.add(pcr);
        }
        return List.copyOf(out);
    }

    /** Process names (comm, '*' suffix wildcard) that may come and go without a finding. */
    public List<String> ignoredProcesses() {
        return csv(get("ignore.process.comm"));
    }

    /** Listening sockets ("tcp:22", "udp:*") that may appear without a finding. */
    public List<String> ignoredListeners() {
        return csv(get("ignore.listen"));
    }

    public Severity severityOf(String eventId) {
        String id = eventId;
        while (true) {
            String v = values.get("severity." + id);
            if (v != null) {
                return Severity.parse(v);
            }
            int dot = id.lastIndexOf('.');
            if (dot < 0) {
                return Severity.parse(get("severity.default"));
            }
            id = id.substring(0, dot);
        }
    }

    public List<Action> actionsFor(Severity s) {
        return actions.get(s);
    }

    /** Every key and its value, sorted (for {@code --print-policy} and the sample-file test). */
    public Map<String, String> effective() {
        Map<String, String> m = new java.util.TreeMap<>(values);
        for (DiskTarget d : disks) {
            m.put("disk." + d.name() + ".path", d.hpcPath());
            m.put("disk." + d.name() + ".chunk-size", String.valueOf(d.chunkSize()));
            m.put("disk." + d.name() + ".spot-chunks", String.valueOf(d.spotChunks()));
            if (d.reference() != null) {
                m.put("disk." + d.name() + ".reference", d.reference().toString());
            }
        }
        for (MemoryRegion r : memory) {
            m.put("memory." + r.name() + ".size", String.valueOf(r.size()));
            m.put("memory." + r.name() + ".read-length", String.valueOf(r.readLength()));
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The keys whose change takes a restart: the disks and memory regions (a boot's golden baseline was taken over them,
     * at their chunk sizes) and {@code tpm.required} (what an enrollment must show, checked against the EK roots at start).
     */
    public static List<String> restartKeys(Policy now, Policy next) {
        return changedKeys(now, next).stream().filter(k -> k.startsWith("disk.") || k.startsWith("memory.") || k.equals("tpm.required")).toList();
    }

    /** The keys set differently in {@code next} than in {@code now} (added, removed or changed), sorted. */
    public static List<String> changedKeys(Policy now, Policy next) {
        Map<String, String> a = now.effective();
        Map<String, String> b = next.effective();
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys.stream().filter(k -> !java.util.Objects.equals(a.get(k), b.get(k))).toList();
    }

    /** {@code keys} with their values here, a "key=value" line each ("key" alone for a key this policy does not set). */
    public String describe(List<String> keys) {
        Map<String, String> e = effective();
        List<String> lines = new ArrayList<>();
        for (String k : keys) {
            lines.add(e.containsKey(k) ? k + "=" + e.get(k) : k);
        }
        return String.join("\n", lines);
    }

    /** The default keys, in file order (the sample file lists exactly these). */
    public static List<String> defaultKeys() {
        return List.copyOf(DEFAULTS.keySet());
    }

    static List<String> csv(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
