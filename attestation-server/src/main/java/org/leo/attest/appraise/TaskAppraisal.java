package org.leo.attest.appraise;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.ContainerMount;
import org.leo.protocol.attest.v1.MountEntry;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/**
 * The task-state check appraised against a {@link TaskExpectation} and the golden baseline's task state
 * (docs/tasks.md "Task checks during the run", where the allowed mounts are tabled). Pure: the same
 * result, baseline and expectation always give the same findings, so a verifier re-runs it on relayed
 * evidence and the clean-up check calls {@link #cleanup} directly.
 *
 * <p>What the task's container may add to the mount table, each tied to what the engine says of that
 * container and nothing else: its overlay root ({@code overlay} at its {@code rootfs}), its pinned network
 * namespace ({@code nsfs} at its {@code sandbox_key}) and the agent's work tmpfs ({@code tmpfs} from
 * {@code leo-task-work}, bound into it at {@code /work}, under the agent's work root). Mounts are compared
 * by (mount point, type, source); a changed option of a baseline mount is a finding of its own.
 */
public final class TaskAppraisal {
    /** The source name the agent's work tmpfs is mounted with (hpc-agent {@code WorkVolume.SOURCE}). */
    public static final String WORK_SOURCE = "leo-task-work";
    static final String COMPONENT = "task engine";

    private TaskAppraisal() {
    }

    /**
     * The clean-up's expectation: an empty engine and the baseline's mounts ({@link TaskExpectation#NONE}), as
     * findings about {@code hpc} with {@code policy}'s severities. {@code baseline} empty: a golden without
     * a task state, and then the mounts are not compared.
     */
    public static List<Finding> cleanup(String hpc, Policy policy, TaskStateResult got, Optional<TaskStateResult> baseline) {
        Findings out = new Findings(hpc, policy);
        appraise(got, baseline, TaskExpectation.NONE, out);
        return out.list();
    }

    /** Adds to {@code out} every way {@code got} differs from {@code expected} and from {@code baseline}'s mounts. */
    public static void appraise(TaskStateResult got, Optional<TaskStateResult> baseline, TaskExpectation expected, Findings out) {
        for (CheckError e : got.getErrorsList()) {
            out.add(COMPONENT, "task.collect-error", "", e.getMessage(), "the task-state check is incomplete: " + e.getMessage());
        }
        Optional<TaskContainer> task = containers(got, expected, out);
        if (expected instanceof TaskExpectation.Running r && !got.getEngineConfigured()) {
            out.add(COMPONENT, "task.engine-missing", "an engine running " + r.imageId(), "no engine",
                    "the agent reports no container engine while " + r + " should run");
        }
        for (String image : got.getImageIdsList()) {
            if (!(expected instanceof TaskExpectation.Running r && r.imageId().equals(image))) {
                out.add(COMPONENT, "task.unexpected-image", expected instanceof TaskExpectation.Running r ? r.imageId() : "no image", image,
                        "the engine holds image " + image + " while " + expected + " is expected");
            }
        }
        if (got.getVolumes() > 0) {
            out.add(COMPONENT, "task.unexpected-volume", "no volume", got.getVolumes() + " volumes",
                    "the engine holds " + got.getVolumes() + " volume(s); a task has none (its one writable place is the work tmpfs)");
        }
        namespaces(got, task, expected, out);
        baseline.ifPresent(b -> mounts(got, b, task, out));
    }

    /** Findings on the containers; the task's container, if one is there as expected. */
    private static Optional<TaskContainer> containers(TaskStateResult got, TaskExpectation expected, Findings out) {
        // The task's container: of the image, the one with the work tmpfs bound at /work first (the sandbox's), else the first.
        TaskContainer task = expected instanceof TaskExpectation.Running r ? got.getContainersList().stream()
                .filter(c -> c.getImageId().equals(r.imageId()))
                .min(java.util.Comparator.comparing((TaskContainer c) -> c.getMountsList().stream().noneMatch(TaskAppraisal::isWorkBind)))
                .orElse(null) : null;
        for (TaskContainer c : got.getContainersList()) {
            String what = "container " + shortId(c.getId()) + " of image " + c.getImageId() + " (" + c.getState() + ")";
            if (c == task) {
                continue;
            } else if (expected instanceof TaskExpectation.Running r) {
                out.add(COMPONENT, "task.unexpected-container", "one container of " + r.imageId(), what, what + " is in the engine "
                        + (task == null ? "instead of the task's, of image " + r.imageId() : "beside the task's container " + shortId(task.getId())));
            } else {
                out.add(COMPONENT, "task.unexpected-container", "no container", what, what + " is in the engine while no task is expected");
            }
        }
        if (expected instanceof TaskExpectation.Running r && task == null) {
            out.add(COMPONENT, "task.container-missing", "a container of " + r.imageId(), "none",
                    "no container of the task's image " + r.imageId() + " is in the engine");
        }
        return Optional.ofNullable(task);
    }

    private static void namespaces(TaskStateResult got, Optional<TaskContainer> task, TaskExpectation expected, Findings out) {
        long taskNamespace = task.map(TaskContainer::getNetNamespace).orElse(0L);
        boolean taskNamespaceSeen = false;
        for (NetNamespace ns : got.getNetNamespacesList()) {
            String what = "network namespace " + Long.toUnsignedString(ns.getInode()) + " (" + ns.getPids() + " processes, interfaces "
                    + ns.getInterfacesList() + ")";
            List<String> beyondLo = ns.getInterfacesList().stream().filter(i -> !i.equals("lo")).toList();
            if (!beyondLo.isEmpty()) {
                out.add(COMPONENT, "task.netns-interface", "only lo", String.join(",", beyondLo), what + " has an interface other than lo: "
                        + String.join(", ", beyondLo));
            }
            boolean isTask = taskNamespace != 0 && ns.getInode() == taskNamespace;
            taskNamespaceSeen |= isTask;
            if (!isTask) {
                out.add(COMPONENT, "task.unexpected-netns", task.isPresent() ? "only the task container's namespace" : "only the host's namespace",
                        Long.toUnsignedString(ns.getInode()), what + " is not " + (task.isPresent() ? "the task container's" : "the host's")
                                + " while " + expected + " is expected");
            }
        }
        if (task.isPresent() && task.get().getPid() != 0 && !taskNamespaceSeen) {
            out.add(COMPONENT, "task.netns-shared", "a network namespace of its own",
                    task.get().getNetNamespace() == 0 ? "unreadable" : Long.toUnsignedString(task.get().getNetNamespace()),
                    "the task's container " + shortId(task.get().getId()) + " (pid " + task.get().getPid()
                            + ") is not in a network namespace of its own: it shares the host's, or its namespace could not be read");
        }
    }

    private static void mounts(TaskStateResult got, TaskStateResult baseline, Optional<TaskContainer> task, Findings out) {
        Map<String, List<MountEntry>> before = byKey(baseline.getMountsList());
        Map<String, List<MountEntry>> now = byKey(got.getMountsList());
        for (Map.Entry<String, List<MountEntry>> e : now.entrySet()) {
            List<MountEntry> was = before.getOrDefault(e.getKey(), List.of());
            List<MountEntry> is = e.getValue();
            for (int i = 0; i < Math.min(was.size(), is.size()); i++) {
                if (!was.get(i).getOptions().equals(is.get(i).getOptions())) {
                    out.add(COMPONENT, "task.mount-changed", was.get(i).getOptions(), is.get(i).getOptions(),
                            "mount " + describe(is.get(i)) + " has options " + is.get(i).getOptions() + ", at the baseline " + was.get(i).getOptions());
                }
            }
            for (MountEntry m : is.subList(Math.min(was.size(), is.size()), is.size())) {
                Optional<String> allowed = task.flatMap(t -> allowedBy(t, m, got.getWorkRoot()));
                if (allowed.isEmpty()) {
                    out.add(COMPONENT, "task.new-mount", "the baseline's mounts" + (task.isPresent() ? " and the task container's" : ""), describe(m),
                            "mount " + describe(m) + " is new since the baseline" + (task.isPresent() ? " and is none of the task container's" : ""));
                }
            }
        }
        for (Map.Entry<String, List<MountEntry>> e : before.entrySet()) {
            int left = e.getValue().size() - now.getOrDefault(e.getKey(), List.of()).size();
            for (int i = 0; i < left; i++) {
                out.add(COMPONENT, "task.mount-gone", describe(e.getValue().get(0)), "",
                        "mount " + describe(e.getValue().get(0)) + " of the baseline is gone");
            }
        }
    }

    /** Why {@code m} is the task container {@code t}'s, if it is. */
    static Optional<String> allowedBy(TaskContainer t, MountEntry m, String workRoot) {
        if (m.getFsType().equals("overlay") && !t.getRootfs().isEmpty() && m.getMountPoint().equals(t.getRootfs())) {
            return Optional.of("its root file system");
        }
        if (m.getFsType().equals("nsfs") && !t.getSandboxKey().isEmpty() && m.getMountPoint().equals(t.getSandboxKey())) {
            return Optional.of("its pinned network namespace");
        }
        if (m.getFsType().equals("tmpfs") && m.getSource().equals(WORK_SOURCE) && !workRoot.isEmpty()
                && m.getMountPoint().startsWith(workRoot.endsWith("/") ? workRoot : workRoot + "/")) {
            for (ContainerMount b : t.getMountsList()) {
                if (isWorkBind(b) && b.getSource().equals(m.getMountPoint())) {
                    return Optional.of("its work tmpfs");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isWorkBind(ContainerMount b) {
        return b.getType().equals("bind") && b.getDestination().equals("/work");
    }

    private static Map<String, List<MountEntry>> byKey(List<MountEntry> mounts) {
        Map<String, List<MountEntry>> m = new LinkedHashMap<>();
        for (MountEntry e : mounts) {
            m.computeIfAbsent(e.getMountPoint() + "\0" + e.getFsType() + "\0" + e.getSource(), k -> new ArrayList<>()).add(e);
        }
        return m;
    }

    private static String describe(MountEntry m) {
        return m.getMountPoint() + " (" + m.getFsType() + " from " + m.getSource() + ")";
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
