package org.leo.agent.task;

/**
 * What one guest may use. Every limit is enforced by the kernel, not by the guest's cooperation:
 * memory (without swap), CPU time and the number of processes by the container's cgroups, the work
 * volume's size and inode count by its tmpfs; the result and each output stream are cut by the
 * agent as it reads them.
 *
 * @param memoryBytes the container's memory (RAM; swap is off: the same value is its memory+swap)
 * @param nanoCpus    CPU time in billionths of a CPU (1_000_000_000 = one core)
 * @param pids        most processes and threads alive at once in the container (a fork bomb stops here)
 * @param workBytes   size of the tmpfs at {@code /work}, the guest's only writable place (inputs included)
 * @param workInodes  most files and directories in {@code /work}
 * @param resultBytes largest {@code /work/result} the agent reads back
 * @param outputBytes most bytes kept of each of stdout and stderr (the rest is counted, not kept)
 */
public record Limits(long memoryBytes, long nanoCpus, long pids, long workBytes, long workInodes, long resultBytes, int outputBytes) {
    private static final long MIB = 1024 * 1024;
    /** dockerd refuses a memory limit under 6 MiB. */
    static final long MIN_MEMORY_BYTES = 6 * MIB;
    /** dockerd refuses fewer than 0.01 CPUs. */
    static final long MIN_NANO_CPUS = 10_000_000L;

    /** One core, 256 MiB of RAM, 64 processes, a 64 MiB work volume, a 16 MiB result, 64 KiB of each output. */
    public static final Limits DEFAULT = new Limits(256 * MIB, 1_000_000_000L, 64, 64 * MIB, 4096, 16 * MIB, 64 * 1024);

    public Limits {
        require(memoryBytes >= MIN_MEMORY_BYTES, "memoryBytes must be at least 6 MiB (dockerd's minimum), got " + memoryBytes);
        require(nanoCpus >= MIN_NANO_CPUS, "nanoCpus must be at least 10000000 (0.01 CPU), got " + nanoCpus);
        require(pids >= 1, "pids must be at least 1, got " + pids);
        require(workBytes >= 64 * 1024, "workBytes must be at least 64 KiB, got " + workBytes);
        require(workInodes >= 16, "workInodes must be at least 16, got " + workInodes);
        require(resultBytes >= 0 && resultBytes <= workBytes, "resultBytes must be between 0 and workBytes (" + workBytes + "), got " + resultBytes);
        require(resultBytes <= Integer.MAX_VALUE - 8, "resultBytes must fit a byte array, got " + resultBytes);
        require(outputBytes >= 0, "outputBytes must not be negative, got " + outputBytes);
    }

    public Limits withMemoryBytes(long v) {
        return new Limits(v, nanoCpus, pids, workBytes, workInodes, resultBytes, outputBytes);
    }

    public Limits withPids(long v) {
        return new Limits(memoryBytes, nanoCpus, v, workBytes, workInodes, resultBytes, outputBytes);
    }

    public Limits withWork(long bytes, long inodes) {
        return new Limits(memoryBytes, nanoCpus, pids, bytes, inodes, Math.min(resultBytes, bytes), outputBytes);
    }

    public Limits withResultBytes(long v) {
        return new Limits(memoryBytes, nanoCpus, pids, workBytes, workInodes, v, outputBytes);
    }

    public Limits withOutputBytes(int v) {
        return new Limits(memoryBytes, nanoCpus, pids, workBytes, workInodes, resultBytes, v);
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem);
        }
    }
}
