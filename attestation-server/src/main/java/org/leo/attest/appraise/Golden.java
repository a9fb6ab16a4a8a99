package org.leo.attest.appraise;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.TaskStateResult;
import org.leo.protocol.attest.v1.TpmQuoteResult;

/**
 * The reference an HPC is appraised against after enrollment: the answer to its first, complete
 * challenge (the baseline), taken right after the boot was checked against the boot event log. Its
 * kernel command line must carry the enrolled boot nonce; everything else is "as booted".
 *
 * @param hpc       the HPC
 * @param bootNonce the nonce of the boot it enrolled with
 * @param baseline  the baseline evidence body, as the agent signed it
 */
public record Golden(String hpc, String bootNonce, EvidenceBody baseline) {
    public Golden {
        Objects.requireNonNull(hpc);
        Objects.requireNonNull(bootNonce);
        Objects.requireNonNull(baseline);
    }

    public Optional<OsResult> os() {
        return baseline.getResultsList().stream().filter(CheckResult::hasOs).map(CheckResult::getOs).findFirst();
    }

    public Optional<HardwareResult> hardware() {
        return baseline.getResultsList().stream().filter(CheckResult::hasHardware).map(CheckResult::getHardware).findFirst();
    }

    public Optional<NetworkResult> network() {
        return baseline.getResultsList().stream().filter(CheckResult::hasNetwork).map(CheckResult::getNetwork).findFirst();
    }

    public Optional<TpmQuoteResult> tpmQuote() {
        return baseline.getResultsList().stream().filter(CheckResult::hasTpmQuote).map(CheckResult::getTpmQuote).findFirst();
    }

    /** The task state at the baseline (empty for a golden taken before the task-state check existed). */
    public Optional<TaskStateResult> taskState() {
        return baseline.getResultsList().stream().filter(CheckResult::hasTaskState).map(CheckResult::getTaskState).findFirst();
    }

    /** Disk roots by target path. */
    public Map<String, DiskRootResult> diskRoots() {
        Map<String, DiskRootResult> m = new LinkedHashMap<>();
        baseline.getResultsList().stream().filter(CheckResult::hasDiskRoot).map(CheckResult::getDiskRoot)
                .forEach(r -> m.put(r.getTarget(), r));
        return m;
    }
}
