package org.leo.attest.enroll;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;

/**
 * Does the boot an agent claims match what the PXE server recorded? Pure: the caller looks up the
 * boot session; this checks it against the agent's claims and the signed manifest.
 *
 * <p>Accepted only if the latest boot of the MAC carries the nonce from the agent's kernel command
 * line, is recent, had no refused HTTP request (a refused TFTP request is a forgeable UDP packet:
 * logged, not held against the HPC), and every artifact of one of the required sets was sent
 * whole with the manifest's digest, or over HTTP in parts that together cover it (a resumed
 * download: each part was cut from the same verified snapshot). The sets are alternatives because
 * one image boots two ways: a BIOS HPC fetches the kernel and initrd the script names, a UEFI HPC
 * the unified kernel image that holds both (the image's template branches on iPXE's platform).
 * Every file served during the boot must have the manifest's digest.
 */
public final class BootCheck {

    private final BootManifest manifest;
    private final List<List<String>> artifactSets;
    private final Duration maxBootAge;

    /**
     * @param artifactSets alternatives, each a set of boot paths: a boot must have fetched every
     *                     artifact of at least one set ({@code [[vmlinuz, initrd.img], [leo-hpc.efi]]})
     */
    public BootCheck(BootManifest manifest, List<List<String>> artifactSets, Duration maxBootAge) {
        this.manifest = manifest;
        this.artifactSets = artifactSets.stream().map(List::copyOf).toList();
        this.maxBootAge = maxBootAge;
        if (this.artifactSets.isEmpty() || this.artifactSets.stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException("required boot artifacts: expected at least one non-empty set, got " + artifactSets);
        }
        for (List<String> set : this.artifactSets) {
            for (String a : set) {
                if (manifest.entry(a).isEmpty()) {
                    throw new IllegalArgumentException("required boot artifact '" + a + "' is not in the boot manifest");
                }
            }
        }
    }

    /** The {@code leo.nonce=} value of a kernel command line, if it has exactly one well-formed one ({@link org.leo.protocol.LeoCmdline}). */
    public static Optional<String> nonceOf(String cmdline) {
        return org.leo.protocol.LeoCmdline.parse(cmdline).nonce();
    }

    /** Every reason to refuse, empty if the boot checks out. */
    public List<String> problems(BootSession boot, String claimedNonce, Map<String, String> claimedBooted, Instant now) {
        List<String> problems = new ArrayList<>();
        if (!boot.nonce().equals(claimedNonce)) {
            problems.add("the kernel command line carries boot nonce " + shortHex(claimedNonce) + ", but the latest boot of "
                    + boot.mac() + " on record has nonce " + shortHex(boot.nonce()));
            return problems; // nothing else of that boot is about this agent
        }
        Duration age = Duration.between(boot.scriptAt(), now);
        if (age.compareTo(maxBootAge) > 0) {
            problems.add("the boot with that nonce started " + age.toSeconds() + " s ago, longer than the " + maxBootAge.toSeconds() + " s allowed");
        }
        for (BootEvent r : boot.refusals()) {
            // A refused HTTP request came over a TCP connection, so its sender receives at the HPC's
            // address. A refused TFTP request is one UDP packet whose source anyone on the segment can
            // forge without ever seeing an answer: it stays in the log, it does not refuse the HPC (what
            // the HPC booted is what it fetched whole, and what its TPM measured).
            if (r.protocol() != org.leo.boot.events.Protocol.TFTP) {
                problems.add("during this boot the PXE server refused " + r.file() + ": " + r.detail());
            }
        }
        Map<String, String> served = boot.servedFiles();
        for (Map.Entry<String, String> s : served.entrySet()) {
            Optional<ManifestEntry> m = manifest.entry(s.getKey());
            if (m.isPresent() && !m.get().sha256Hex().equals(s.getValue())) {
                problems.add(s.getKey() + " was served with sha256 " + shortHex(s.getValue()) + ", the manifest says "
                        + shortHex(m.get().sha256Hex()));
            }
        }
        for (String a : artifactSets.stream().flatMap(List::stream).distinct().toList()) {
            ManifestEntry m = manifest.entry(a).orElseThrow();
            String claimed = claimedBooted.get(a);
            if (claimed != null && !claimed.equalsIgnoreCase(m.sha256Hex())) {
                problems.add("the agent says it booted " + a + " with sha256 " + shortHex(claimed) + ", the manifest says "
                        + shortHex(m.sha256Hex()));
            }
        }
        List<List<String>> missing = new ArrayList<>();
        for (List<String> set : artifactSets) {
            missing.add(set.stream().filter(a -> served.get(a) == null
                    && !coveredByParts(boot, a, manifest.entry(a).orElseThrow().size())).toList());
        }
        if (missing.stream().noneMatch(List::isEmpty)) {
            if (artifactSets.size() == 1) {
                missing.get(0).forEach(a -> problems.add(a + " was not fetched whole during this boot"));
            } else {
                List<String> sets = new ArrayList<>();
                for (int i = 0; i < artifactSets.size(); i++) {
                    sets.add(String.join(" and ", artifactSets.get(i)) + " (" + String.join(", ", missing.get(i)) + " not)");
                }
                problems.add("no set of boot artifacts was fetched whole during this boot: " + String.join(", nor ", sets));
            }
        }
        return problems;
    }

    /** True if FILE_INCOMPLETE parts (HTTP ranges our server sent from the verified snapshot) cover [0, size). */
    static boolean coveredByParts(BootSession boot, String file, long size) {
        TreeMap<Long, Long> ranges = new TreeMap<>();
        for (LoggedEvent le : boot.events()) {
            BootEvent e = le.event();
            if (e.stage() != BootStage.FILE_INCOMPLETE || !e.file().equals(file)) {
                continue;
            }
            // The part is a typed fact of the event (SentRange), never read out of its sentence; a part
            // counts only if it was sent completely: bytes == its length.
            e.range().filter(r -> r.total() == size && e.bytes() == r.length()).ifPresent(r -> ranges.merge(r.first(), r.last(), Math::max));
        }
        long covered = 0; // [0, covered) is covered
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            if (r.getKey() > covered) {
                return false;
            }
            covered = Math.max(covered, r.getValue() + 1);
        }
        return size > 0 && covered >= size;
    }

    static String shortHex(String hex) {
        return hex.length() <= 16 ? hex : hex.substring(0, 16) + "..";
    }
}
