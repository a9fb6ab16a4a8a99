package org.leo.attest.schedule;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.Policy;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.DiskRootCheck;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotCheck;
import org.leo.protocol.attest.v1.HardwareCheck;
import org.leo.protocol.attest.v1.MemoryCheck;
import org.leo.protocol.attest.v1.MemoryRegionRead;
import org.leo.protocol.attest.v1.NetworkCheck;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.TaskStateCheck;
import org.leo.protocol.attest.v1.TpmQuoteCheck;

/**
 * Makes challenges: a fresh 32-byte nonce each, and a random choice of checks (each kind with the
 * policy's probability, at least one), with random disk chunks and memory offsets. The baseline
 * challenge, sent right after enrollment, asks for everything: its answer becomes the golden. The
 * task-state check is in every full challenge (the baseline and the relayed ones, so verifiers see it)
 * while {@code check.task-state.probability} is above 0, and in every random one while a task runs.
 */
public final class ChallengeFactory {
    public static final int NONCE_BYTES = 32;
    private static final Check TASK_STATE = Check.newBuilder().setTaskState(TaskStateCheck.getDefaultInstance()).build();

    private final Supplier<Policy> policy;
    private final SecureRandom random;
    private final AtomicLong ids;

    /** With a fixed policy; {@code firstId}: ids continue above those used before a restart (the log's head seq is a good choice). */
    public ChallengeFactory(Policy policy, SecureRandom random, long firstId) {
        this(() -> policy, random, firstId);
    }

    /** With the policy {@code policy} supplies at each use (it changes when the policy is reloaded). */
    public ChallengeFactory(Supplier<Policy> policy, SecureRandom random, long firstId) {
        this.policy = policy;
        this.random = random;
        this.ids = new AtomicLong(firstId);
    }

    public Challenge baseline() {
        List<Check> checks = new ArrayList<>();
        checks.add(Check.newBuilder().setOs(OsCheck.newBuilder().setKernelCmdline(true).setModules(true)
                .setProcesses(true).setRootFilesystem(true)).build());
        checks.add(Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()).build());
        checks.add(Check.newBuilder().setNetwork(NetworkCheck.getDefaultInstance()).build());
        for (Policy.DiskTarget d : policy.get().disks()) {
            checks.add(Check.newBuilder().setDiskRoot(DiskRootCheck.newBuilder().setTarget(d.hpcPath()).setChunkSize(d.chunkSize())).build());
        }
        if (policy.get().probability("check.tpm.probability") > 0) {
            checks.add(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addAllPcrs(policy.get().tpmPcrs())).build());
        }
        if (policy.get().probability("check.task-state.probability") > 0) {
            checks.add(TASK_STATE);
        }
        return challenge(checks);
    }

    /** A random challenge for an HPC whose golden is {@code golden} and that runs no task. */
    public Challenge random(Golden golden) {
        return random(golden, false);
    }

    /**
     * A random challenge for an HPC whose golden is {@code golden}; while a task runs ({@code taskRunning}) it always
     * has the task-state check. A golden without a task state (taken before the check existed) is never asked for it.
     */
    public Challenge random(Golden golden, boolean taskRunning) {
        List<Check> checks = new ArrayList<>();
        while (checks.isEmpty()) {
            if (chance("check.os.probability")) {
                checks.add(Check.newBuilder().setOs(OsCheck.newBuilder().setKernelCmdline(true).setModules(true)
                        .setProcesses(true).setRootFilesystem(chance("check.rootfs.probability"))).build());
            }
            if (chance("check.hardware.probability")) {
                checks.add(Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()).build());
            }
            if (chance("check.network.probability")) {
                checks.add(Check.newBuilder().setNetwork(NetworkCheck.getDefaultInstance()).build());
            }
            Map<String, DiskRootResult> roots = golden.diskRoots();
            for (Policy.DiskTarget d : policy.get().disks()) {
                if (chance("check.disk-root.probability")) {
                    checks.add(Check.newBuilder().setDiskRoot(DiskRootCheck.newBuilder().setTarget(d.hpcPath()).setChunkSize(d.chunkSize())).build());
                }
                DiskRootResult root = roots.get(d.hpcPath());
                // The golden was validated at the policy's chunk size (GoldenCheck); the count follows from the policy.
                long chunks = root == null ? 0 : chunkCount(root.getSizeBytes(), d.chunkSize());
                if (chunks > 0 && chance("check.disk-spot.probability")) {
                    DiskSpotCheck.Builder spot = DiskSpotCheck.newBuilder().setTarget(d.hpcPath()).setChunkSize(d.chunkSize());
                    for (int i = 0; i < Math.min(d.spotChunks(), chunks); i++) {
                        spot.addChunkIndices(Math.floorMod(random.nextLong(), chunks));
                    }
                    checks.add(Check.newBuilder().setDiskSpot(spot).build());
                }
            }
            if (!policy.get().memoryRegions().isEmpty() && chance("check.memory.probability")) {
                MemoryCheck.Builder mem = MemoryCheck.newBuilder();
                for (Policy.MemoryRegion r : policy.get().memoryRegions()) {
                    long span = r.size() - r.readLength() + 1;
                    mem.addReads(MemoryRegionRead.newBuilder().setRegion(r.name())
                            .setOffset(Math.floorMod(random.nextLong(), span)).setLength(r.readLength()));
                }
                checks.add(Check.newBuilder().setMemory(mem).build());
            }
            if (chance("check.tpm.probability")) {
                checks.add(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addAllPcrs(policy.get().tpmPcrs())).build());
            }
        }
        if (golden.taskState().isPresent() && (taskRunning || chance("check.task-state.probability"))) {
            checks.add(TASK_STATE);
        }
        return challenge(checks);
    }

    /** A challenge for an external verifier's nonce (the consensus service): everything, with that nonce. */
    public Challenge relayed(byte[] externalNonce) {
        Challenge base = baseline();
        return base.toBuilder().setNonce(ByteString.copyFrom(externalNonce)).build();
    }

    private static long chunkCount(long size, int chunkSize) {
        try {
            return org.leo.protocol.merkle.ChunkedFile.chunkCount(size, chunkSize);
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }

    private boolean chance(String key) {
        return random.nextDouble() < policy.get().probability(key);
    }

    private Challenge challenge(List<Check> checks) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return Challenge.newBuilder().setChallengeId(ids.incrementAndGet()).setNonce(ByteString.copyFrom(nonce))
                .setDeadlineMillis((int) Math.min(Integer.MAX_VALUE, policy.get().deadline().toMillis())).addAllChecks(checks).build();
    }
}
