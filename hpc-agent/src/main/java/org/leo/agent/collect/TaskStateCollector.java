package org.leo.agent.collect;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.leo.agent.task.EngineState;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.MountEntry;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/**
 * The task-state check (docs/tasks.md "Task checks during the run"): the engine's containers, images
 * and volumes through its API when an engine socket is configured ({@link EngineState}); every network
 * namespace a process is in other than the agent's own ({@code proc/PID/ns/net}, its interfaces from
 * {@code proc/PID/net/dev}); and the agent's mount table ({@code proc/self/mountinfo}, {@link MountInfo}).
 * Everything is bounded; a cap reached or a part that cannot be read is an entry in {@code errors}, which
 * the server makes a finding. No engine configured is not an error: the result says so.
 */
public final class TaskStateCollector {
    static final int MAX_MOUNTS = 1024;
    static final int MAX_NAMESPACES = 256;
    static final int MAX_INTERFACES = 64;
    /** Lines read from one net/dev (two headers and one line per interface). */
    static final int MAX_NET_DEV_LINES = MAX_INTERFACES + 2;
    /** A namespace link is "net:[" + at most 20 digits + "]". */
    static final int MAX_LINK = 64;

    private final HostPaths host;
    private final Optional<URI> engine;
    private final Path workRoot;
    private final java.util.function.Function<URI, EngineState> readEngine;

    /**
     * @param engine   the engine's socket ({@code unix:///run/docker.sock}), empty on an HPC without the sandbox
     * @param workRoot where the agent mounts its task work tmpfs (reported for the server's mount rule)
     */
    public TaskStateCollector(HostPaths host, Optional<URI> engine, Path workRoot) {
        this(host, engine, workRoot, EngineState::read);
    }

    /** With the engine read by {@code readEngine} (tests: what the engine says, and when). */
    TaskStateCollector(HostPaths host, Optional<URI> engine, Path workRoot, java.util.function.Function<URI, EngineState> readEngine) {
        this.host = host;
        this.engine = engine;
        this.workRoot = workRoot;
        this.readEngine = readEngine;
    }

    public TaskStateResult collect() {
        TaskStateResult.Builder out = TaskStateResult.newBuilder().setEngineConfigured(engine.isPresent())
                .setWorkRoot(Text.printable(workRoot.toString(), MountInfo.MAX_FIELD));
        List<String> errors = new ArrayList<>();
        Map<Long, Integer> pidsByNamespace = new TreeMap<>();
        Map<Long, String> onePid = new TreeMap<>();
        Optional<Long> own = namespaceOf("self");
        if (own.isEmpty() && Files.isDirectory(host.proc().resolve("self").resolve("ns"))) {
            errors.add("cannot read the agent's own network namespace (proc/self/ns/net)");
        }
        int unreadable = 0;
        for (String pid : BoundedFiles.list(host.proc())) {
            if (!Text.isDigits(pid, 10)) {
                continue;
            }
            Optional<Long> ns = namespaceOf(pid);
            if (ns.isEmpty()) {
                // A process without ns/ (a crafted /proc) has nothing to read; a zombie's ns/ reads nothing.
                unreadable += Files.isDirectory(host.proc().resolve(pid).resolve("ns")) && alive(pid) ? 1 : 0;
                continue;
            }
            pidsByNamespace.merge(ns.get(), 1, Integer::sum);
            onePid.putIfAbsent(ns.get(), pid);
        }
        if (unreadable > 0) {
            errors.add(unreadable + " processes' network namespaces could not be read (proc/PID/ns/net)");
        }
        for (Map.Entry<Long, Integer> e : pidsByNamespace.entrySet()) {
            if (own.isPresent() && own.get().equals(e.getKey())) {
                continue;
            }
            if (out.getNetNamespacesCount() >= MAX_NAMESPACES) {
                errors.add((pidsByNamespace.size() - 1) + " foreign network namespaces, only the first " + MAX_NAMESPACES + " are reported");
                break;
            }
            out.addNetNamespaces(NetNamespace.newBuilder().setInode(e.getKey()).setPids(e.getValue())
                    .addAllInterfaces(interfaces(onePid.get(e.getKey()), errors)));
        }

        if (engine.isPresent()) {
            EngineState state = readEngine.apply(engine.get());
            for (TaskContainer c : state.containers()) {
                TaskContainer.Builder b = c.toBuilder();
                if (c.getPid() > 0) {
                    String pid = Integer.toUnsignedString(c.getPid());
                    Optional<Long> ns = namespaceOf(pid);
                    if (ns.isPresent()) {
                        b.setNetNamespace(ns.get());
                        // a container started between the scan of proc above and the engine's answer: its namespace is
                        // reported as the scan would have (else the server would take it for one that shares the host's)
                        if (!pidsByNamespace.containsKey(ns.get()) && !ns.equals(own) && out.getNetNamespacesCount() < MAX_NAMESPACES) {
                            pidsByNamespace.put(ns.get(), 1);
                            out.addNetNamespaces(NetNamespace.newBuilder().setInode(ns.get()).setPids(1).addAllInterfaces(interfaces(pid, errors)));
                        }
                    } else if (!alive(pid)) {
                        b.setPid(0); // it exited between the engine's answer and this read: it runs no more
                    }
                }
                out.addContainers(b);
            }
            out.addAllImageIds(state.imageIds()).setVolumes(state.volumes());
            errors.addAll(state.problems());
        }

        List<String> lines = BoundedFiles.readLines(host.proc().resolve("self").resolve("mountinfo"), MAX_MOUNTS + 1);
        int[] malformed = {0};
        List<MountEntry> mounts = MountInfo.parseAll(lines.subList(0, Math.min(lines.size(), MAX_MOUNTS)), malformed);
        out.addAllMounts(mounts);
        if (lines.size() > MAX_MOUNTS) {
            errors.add("the mount table has more than " + MAX_MOUNTS + " entries, only the first " + MAX_MOUNTS + " are reported");
        }
        if (malformed[0] > 0) {
            errors.add(malformed[0] + " lines of proc/self/mountinfo are not in the kernel's format");
        }
        for (String e : errors) {
            out.addErrors(CheckError.newBuilder().setCheck("task_state").setMessage(Text.clip(e, CheckResults.MAX_MESSAGE_LENGTH)));
        }
        return out.build();
    }

    /** The network namespace inode of {@code proc/PID}, empty if the process has gone or cannot be read. */
    private Optional<Long> namespaceOf(String pid) {
        try {
            String link = Files.readSymbolicLink(host.proc().resolve(pid).resolve("ns").resolve("net")).toString();
            return link.length() > MAX_LINK ? Optional.empty() : Optional.of(NetDev.namespaceInode(link, "net"));
        } catch (IOException | UnsupportedOperationException | SecurityException | ProcFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code proc/PID} is a process that has namespaces: not gone, not a zombie (whose ns links read nothing). */
    private boolean alive(String pid) {
        Optional<String> stat = BoundedFiles.readValue(host.proc().resolve(pid).resolve("stat"), ProcStat.MAX_LINE_LENGTH);
        try {
            return stat.isPresent() && ProcStat.parse(stat.get()).state() != 'Z';
        } catch (ProcFormatException e) {
            return true;
        }
    }

    private List<String> interfaces(String pid, List<String> errors) {
        TreeSet<String> names = new TreeSet<>();
        List<String> lines = BoundedFiles.readLines(host.proc().resolve(pid).resolve("net").resolve("dev"), MAX_NET_DEV_LINES + 1);
        for (String line : lines.subList(0, Math.min(lines.size(), MAX_NET_DEV_LINES))) {
            try {
                names.add(NetDev.interfaceName(line));
            } catch (ProcFormatException header) {
                // the two header lines, or a malformed one
            }
        }
        if (lines.size() > MAX_NET_DEV_LINES) {
            errors.add("the network namespace of pid " + pid + " has more than " + MAX_INTERFACES + " interfaces, only the first are reported");
        }
        return List.copyOf(names);
    }
}
