package org.leo.attest.server;

import java.util.Optional;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * Caps on what one evidence body may hold, checked after the signature and before appraisal. gRPC
 * already refuses a message over {@link #MAX_MESSAGE_BYTES}; these bound the work of appraising one.
 */
public final class Limits {
    /** The transport's message limit (gRPC's default). */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    static final int MAX_RESULTS = 64;
    static final int MAX_PROCESSES = 32_768;
    static final int MAX_MODULES = 4_096;
    static final int MAX_DEVICES = 4_096;
    static final int MAX_SOCKETS = 65_536;
    static final int MAX_INTERFACES = 1_024;
    static final int MAX_ROUTES = 8_192;
    static final int MAX_CHUNKS = 64;
    /** A Merkle audit path over 2^64 leaves has at most 64 hashes. */
    static final int MAX_AUDIT_PATH = 64;
    static final int MAX_MEMORY_DIGESTS = 64;
    static final int MAX_TASK_CONTAINERS = 64;
    static final int MAX_TASK_IMAGES = 64;
    static final int MAX_NET_NAMESPACES = 256;
    static final int MAX_NAMESPACE_INTERFACES = 64;
    static final int MAX_MOUNTS = 1_024;
    static final int MAX_TASK_ERRORS = 64;
    static final int MAX_CONTAINER_MOUNTS = 16;

    private Limits() {
    }

    /** What is over a limit, if anything. */
    public static Optional<String> problem(EvidenceBody body) {
        if (body.getResultsCount() > MAX_RESULTS) {
            return over("results", body.getResultsCount(), MAX_RESULTS);
        }
        for (CheckResult r : body.getResultsList()) {
            Optional<String> p = switch (r.getKindCase()) {
                case OS -> first(check("processes", r.getOs().getProcessesCount(), MAX_PROCESSES),
                        check("modules", r.getOs().getModulesCount(), MAX_MODULES));
                case HARDWARE -> check("devices", r.getHardware().getDevicesCount(), MAX_DEVICES);
                case NETWORK -> first(check("sockets", r.getNetwork().getSocketsCount(), MAX_SOCKETS),
                        first(check("interfaces", r.getNetwork().getInterfacesCount(), MAX_INTERFACES),
                                check("routes", r.getNetwork().getRoutesCount(), MAX_ROUTES)));
                case DISK_SPOT -> {
                    Optional<String> c = check("chunk proofs", r.getDiskSpot().getChunksCount(), MAX_CHUNKS);
                    for (var proof : r.getDiskSpot().getChunksList()) {
                        c = first(c, check("audit path hashes", proof.getAuditPathCount(), MAX_AUDIT_PATH));
                    }
                    yield c;
                }
                case MEMORY -> check("memory digests", r.getMemory().getDigestsCount(), MAX_MEMORY_DIGESTS);
                case TASK_STATE -> taskState(r.getTaskState());
                default -> Optional.empty();
            };
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> taskState(org.leo.protocol.attest.v1.TaskStateResult t) {
        Optional<String> c = first(check("containers", t.getContainersCount(), MAX_TASK_CONTAINERS),
                first(check("image ids", t.getImageIdsCount(), MAX_TASK_IMAGES),
                        first(check("network namespaces", t.getNetNamespacesCount(), MAX_NET_NAMESPACES),
                                first(check("mounts", t.getMountsCount(), MAX_MOUNTS), check("task-state errors", t.getErrorsCount(), MAX_TASK_ERRORS)))));
        for (var ns : t.getNetNamespacesList()) {
            c = first(c, check("interfaces in a network namespace", ns.getInterfacesCount(), MAX_NAMESPACE_INTERFACES));
        }
        for (var container : t.getContainersList()) {
            c = first(c, check("mounts of a container", container.getMountsCount(), MAX_CONTAINER_MOUNTS));
        }
        return c;
    }

    private static Optional<String> check(String what, int n, int max) {
        return n > max ? over(what, n, max) : Optional.empty();
    }

    private static Optional<String> first(Optional<String> a, Optional<String> b) {
        return a.isPresent() ? a : b;
    }

    private static Optional<String> over(String what, int n, int max) {
        return Optional.of("evidence holds " + n + " " + what + ", at most " + max);
    }
}
