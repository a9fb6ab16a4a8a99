package org.leo.agent.collect;

import com.google.protobuf.ByteString;
import org.leo.protocol.attest.v1.KernelModule;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;

/**
 * The running operating system, as much as an {@code OsCheck} asks for:
 * <ul>
 *   <li>kernel command line: {@code proc/cmdline} (carries {@code leo.nonce=} of this boot);</li>
 *   <li>modules: {@code proc/modules}, name and size, in the kernel's order;</li>
 *   <li>processes: {@link ProcessTable} (executable digests cached across challenges by file
 *       identity);</li>
 *   <li>root file system: {@link RootFsDigest} over {@link HostPaths#root()}.</li>
 * </ul>
 * The {@code *_included} flags say which parts were asked for and collected. All of it is the
 * HPC's claim; the server compares it with the image it booted. Not thread-safe: one instance per
 * agent, called from its challenge loop.
 */
public final class OsCollector {
    /** Longest command line read (x86 COMMAND_LINE_SIZE is 2048; arm64 4096). */
    static final int MAX_CMDLINE = 8192;
    /** Most modules listed (a distribution kernel loads ~100-200). */
    static final int MAX_MODULES = 8192;
    static final int MAX_MODULE_NAME = 64;

    private final HostPaths host;
    private final ProcessTable processes;

    public OsCollector(HostPaths host) {
        this.host = host;
        this.processes = new ProcessTable(host.proc(), new ExeDigestCache());
    }

    /**
     * Collects what {@code check} asks for.
     *
     * @throws CollectException if the root file system or the process table is over a cap
     */
    public OsResult collect(OsCheck check) throws CollectException {
        OsResult.Builder out = OsResult.newBuilder();
        if (check.getKernelCmdline()) {
            out.setKernelCmdline(BoundedFiles.readText(host.proc().resolve("cmdline"), MAX_CMDLINE)
                    .map(s -> Text.printable(s, MAX_CMDLINE)).orElse(""));
            out.setKernelCmdlineIncluded(true);
        }
        if (check.getModules()) {
            for (String line : BoundedFiles.readLines(host.proc().resolve("modules"), MAX_MODULES)) {
                String[] f = line.split(" ", 3);
                if (f.length >= 2 && !f[0].isEmpty() && f[0].length() <= MAX_MODULE_NAME && Text.isDigits(f[1], 18)) {
                    out.addModules(KernelModule.newBuilder().setName(Text.printable(f[0], MAX_MODULE_NAME))
                            .setSize(Long.parseLong(f[1])));
                }
            }
            out.setModulesIncluded(true);
        }
        if (check.getProcesses()) {
            out.addAllProcesses(processes.collect());
            out.setProcessesIncluded(true);
        }
        if (check.getRootFilesystem()) {
            RootFsDigest.Result r = RootFsDigest.digest(host.root());
            out.setRootFilesystemDigest(ByteString.copyFrom(r.digest())).setRootFilesystemFiles(r.files())
                    .setRootFilesystemIncluded(true);
        }
        return out.build();
    }
}
