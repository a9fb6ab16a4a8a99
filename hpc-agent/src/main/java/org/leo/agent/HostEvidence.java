package org.leo.agent;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.leo.agent.collect.CheckResults;
import org.leo.agent.collect.DiskFingerprinter;
import org.leo.agent.collect.HardwareCollector;
import org.leo.agent.collect.HostPaths;
import org.leo.agent.collect.MemoryCollector;
import org.leo.agent.collect.MemoryRegion;
import org.leo.agent.collect.NetworkCollector;
import org.leo.agent.collect.OsCollector;
import org.leo.agent.collect.TaskStateCollector;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.TpmQuote;

/**
 * The agent's evidence from the host it runs on, read under {@link HostPaths} (the real /proc,
 * /sys, /dev and / by default; a crafted tree in tests): each check goes to its collector, and a
 * check that cannot run becomes a {@code CheckError} result with a sentence, never an exception.
 */
public final class HostEvidence implements EvidenceSource {
    /** Where the sandbox mounts its work tmpfs on the HPC (a directory of its RAM root). */
    public static final Path DEFAULT_WORK_ROOT = Path.of("/run/leo/tasks/work");
    private final HostPaths host;
    private final OsCollector os;
    private final HardwareCollector hardware;
    private final NetworkCollector network;
    private final MemoryCollector memory;
    private final DiskFingerprinter disks;
    private final Optional<TpmEndpoint> tpm;
    private final TaskStateCollector taskState;

    /** Evidence from an HPC without the task sandbox (no container engine). */
    public HostEvidence(HostPaths host, Map<String, MemoryRegion> regions, Optional<TpmEndpoint> tpm, int diskThreads) {
        this(host, regions, tpm, diskThreads, Optional.empty(), DEFAULT_WORK_ROOT);
    }

    /**
     * @param engine   the task engine's socket, empty on an HPC without the sandbox
     * @param workRoot where the task sandbox mounts its work tmpfs
     */
    public HostEvidence(HostPaths host, Map<String, MemoryRegion> regions, Optional<TpmEndpoint> tpm, int diskThreads,
                        Optional<java.net.URI> engine, Path workRoot) {
        this.host = host;
        this.os = new OsCollector(host);
        this.hardware = new HardwareCollector(host);
        this.network = new NetworkCollector(host);
        this.memory = new MemoryCollector(host, regions);
        this.disks = new DiskFingerprinter(host, diskThreads, (target, done, total) -> { });
        this.tpm = tpm;
        this.taskState = new TaskStateCollector(host, engine, workRoot);
    }

    @Override
    public CheckResult answer(Check check, byte[] nonce) {
        String name = check.getKindCase().name().toLowerCase(java.util.Locale.ROOT);
        try {
            return switch (check.getKindCase()) {
                case OS -> CheckResult.newBuilder().setOs(os.collect(check.getOs())).build();
                case HARDWARE -> CheckResult.newBuilder().setHardware(hardware.collect()).build();
                case NETWORK -> CheckResult.newBuilder().setNetwork(network.collect()).build();
                case MEMORY -> CheckResult.newBuilder().setMemory(memory.collect(check.getMemory(), nonce)).build();
                case DISK_ROOT -> CheckResult.newBuilder().setDiskRoot(disks.root(check.getDiskRoot().getTarget(),
                        resolve(check.getDiskRoot().getTarget()), chunkSize(check.getDiskRoot().getChunkSize()))).build();
                case DISK_SPOT -> CheckResult.newBuilder().setDiskSpot(disks.spot(check.getDiskSpot().getTarget(),
                        resolve(check.getDiskSpot().getTarget()), chunkSize(check.getDiskSpot().getChunkSize()), nonce,
                        check.getDiskSpot().getChunkIndicesList().stream().mapToLong(Long::longValue).toArray())).build();
                case TPM_QUOTE -> CheckResult.newBuilder().setTpmQuote(quote(nonce, check.getTpmQuote().getPcrsList())).build();
                case TASK_STATE -> CheckResult.newBuilder().setTaskState(taskState.collect()).build();
                case KIND_NOT_SET -> CheckResults.error("empty", new IllegalArgumentException("the check names nothing to do"));
            };
        } catch (Exception e) {
            return CheckResults.error(name, e);
        }
    }

    private static int chunkSize(int asked) {
        return asked == 0 ? ChunkedFile.DEFAULT_CHUNK_SIZE : asked;
    }

    /** A target path on the HPC, under the host paths: /dev/X under dev(), anything else under root(). No "..". */
    Path resolve(String target) {
        if (!target.startsWith("/") || target.contains("/../") || target.endsWith("/..") || target.contains("\0")) {
            throw new IllegalArgumentException("disk target must be an absolute path without '..', got '" + target + "'");
        }
        if (target.startsWith("/dev/")) {
            return host.dev().resolve(target.substring("/dev/".length()));
        }
        return host.root().resolve(target.substring(1));
    }

    private TpmQuoteResult quote(byte[] nonce, java.util.List<Integer> pcrs) throws Exception {
        if (tpm.isEmpty()) {
            throw new IOException("this HPC has no TPM (no /dev/tpmrm0)");
        }
        try (Tpm t = Tpm.open(tpm.get())) {
            TpmQuote q = t.quote(nonce.length > Tpm.MAX_NONCE_BYTES ? java.util.Arrays.copyOf(nonce, Tpm.MAX_NONCE_BYTES) : nonce,
                    pcrs.stream().mapToInt(Integer::intValue).toArray());
            TpmQuoteResult.Builder b = TpmQuoteResult.newBuilder().setAttest(ByteString.copyFrom(q.attest()))
                    .setSignature(ByteString.copyFrom(q.signature()))
                    .setAkPublicDer(ByteString.copyFrom(t.attestationKey().publicKey().getEncoded()));
            for (int pcr : q.pcrs()) {
                b.addPcrs(pcr);
            }
            for (byte[] v : q.pcrValues()) {
                b.addPcrValues(ByteString.copyFrom(v));
            }
            return b.build();
        }
    }
}
