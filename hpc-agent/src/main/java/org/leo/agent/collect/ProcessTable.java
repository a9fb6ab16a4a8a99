package org.leo.agent.collect;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.leo.protocol.attest.v1.ProcessInfo;

/**
 * The process table from {@code proc/<pid>/{stat,status,cmdline,exe}}: pid, parent, command
 * name, real uid, command line (NULs as spaces), executable path and its SHA-256. A process
 * that exits while being read is left out; kernel threads have no executable (empty path and
 * digest). Sorted by pid.
 */
final class ProcessTable {
    /** Most processes listed; a host with more fails the check rather than hiding some. */
    static final int MAX_PROCESSES = 32_768;
    /** Longest command line kept (bytes; the kernel shows up to a page per read). */
    static final int MAX_CMDLINE = 4096;
    /** Longest executable path kept (PATH_MAX). */
    static final int MAX_EXE_PATH = 4096;
    /** Most status lines read (a real status has ~60). */
    static final int MAX_STATUS_LINES = 128;

    private final Path proc;
    private final ExeDigestCache exeDigests;

    ProcessTable(Path proc, ExeDigestCache exeDigests) {
        this.proc = proc;
        this.exeDigests = exeDigests;
    }

    List<ProcessInfo> collect() throws CollectException {
        List<Integer> pids = new ArrayList<>();
        for (String name : BoundedFiles.list(proc)) {
            if (Text.isDigits(name, 9)) {
                pids.add(Integer.parseInt(name));
            }
        }
        if (pids.size() > MAX_PROCESSES) {
            throw new CollectException("the process table has " + pids.size() + " processes, over the cap of "
                    + MAX_PROCESSES);
        }
        pids.sort(null);
        List<ProcessInfo> out = new ArrayList<>(pids.size());
        for (int pid : pids) {
            process(proc.resolve(Integer.toString(pid))).ifPresent(out::add);
        }
        return out;
    }

    private Optional<ProcessInfo> process(Path dir) {
        Optional<String> statLine = BoundedFiles.readText(dir.resolve("stat"), ProcStat.MAX_LINE_LENGTH + 1);
        if (statLine.isEmpty()) {
            return Optional.empty(); // exited
        }
        ProcStat stat;
        try {
            stat = ProcStat.parse(statLine.get().strip());
        } catch (ProcFormatException e) {
            return Optional.empty();
        }
        ProcessInfo.Builder p = ProcessInfo.newBuilder().setPid(stat.pid()).setPpid(stat.ppid()).setComm(stat.comm())
                .setUid(uid(dir));
        BoundedFiles.readText(dir.resolve("cmdline"), MAX_CMDLINE)
                .ifPresent(c -> p.setCmdline(Text.printable(c.replace('\0', ' '), MAX_CMDLINE)));
        Path exe = dir.resolve("exe");
        try {
            String target = Files.readSymbolicLink(exe).toString();
            p.setExe(Text.printable(target, MAX_EXE_PATH));
            exeDigests.digest(exe).ifPresent(d -> p.setExeSha256(ByteString.copyFrom(d)));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // A kernel thread, a zombie, or not ours to read: no executable.
        }
        return Optional.of(p.build());
    }

    /** The real uid from the status "Uid:" line, or 0 if there is none. */
    private static int uid(Path dir) {
        for (String line : BoundedFiles.readLines(dir.resolve("status"), MAX_STATUS_LINES)) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).strip().split("\\s+");
                if (f.length > 0 && Text.isDigits(f[0], 10)) {
                    long uid = Long.parseLong(f[0]);
                    return uid <= 0xffffffffL ? (int) uid : 0;
                }
            }
        }
        return 0;
    }
}
