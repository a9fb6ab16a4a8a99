package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.leo.agent.task.EngineState;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.MountEntry;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/** The task-state collector over a crafted /proc: foreign namespaces with their interfaces, the mount table, no engine. */
class TaskStateCollectorTest {
    @TempDir
    Path dir;

    private void process(String pid, long netns, String state) throws Exception {
        Path p = Files.createDirectories(dir.resolve("proc").resolve(pid).resolve("ns"));
        Files.createSymbolicLink(p.resolve("net"), Path.of("net:[" + netns + "]"));
        Files.writeString(p.getParent().resolve("stat"), pid + " (x) " + state + " 1 1 1");
    }

    @Test
    void foreignNamespacesWithTheirInterfacesAndTheMountTable() throws Exception {
        process("self", 100, "S");
        process("1", 100, "S");
        process("7", 200, "S");
        process("8", 200, "S");
        Path dev = Files.createDirectories(dir.resolve("proc/7/net")).resolve("dev");
        Files.writeString(dev, "Inter-|   Receive |  Transmit\n face |bytes\n    lo: 0 0\n  eth0: 5 1\n");
        Files.writeString(dir.resolve("proc/self/mountinfo"), "1 0 0:1 / / rw - ext4 /dev/vda rw\nbroken line\n"
                + "2 1 0:2 / /run/leo/tasks/task-1 rw,nosuid - tmpfs leo-task-work rw,size=64k\n");
        Files.createDirectories(dir.resolve("sys"));
        TaskStateResult r = new TaskStateCollector(HostPaths.under(dir), Optional.empty(), Path.of("/run/leo/tasks")).collect();
        assertThat(r.getEngineConfigured()).isFalse();
        assertThat(r.getContainersList()).isEmpty();
        assertThat(r.getWorkRoot()).isEqualTo("/run/leo/tasks");
        assertThat(r.getNetNamespacesList()).containsExactly(NetNamespace.newBuilder().setInode(200).setPids(2).addInterfaces("eth0").addInterfaces("lo").build());
        assertThat(r.getMountsList()).extracting(MountEntry::getMountPoint).containsExactly("/", "/run/leo/tasks/task-1");
        assertThat(r.getErrorsList()).extracting(CheckError::getMessage).containsExactly("1 lines of proc/self/mountinfo are not in the kernel's format");
    }

    @Test
    void anUnreadableLiveProcessIsAnErrorAndAZombieIsNot() throws Exception {
        process("self", 100, "S");
        Files.createDirectories(dir.resolve("proc/9/ns"));
        Files.writeString(dir.resolve("proc/9/stat"), "9 (hidden) S 1 1 1");
        Files.createDirectories(dir.resolve("proc/10/ns"));
        Files.writeString(dir.resolve("proc/10/stat"), "10 (dead) Z 1 1 1");
        TaskStateResult r = new TaskStateCollector(HostPaths.under(dir), Optional.empty(), Path.of("/w")).collect();
        assertThat(r.getErrorsList()).extracting(CheckError::getMessage)
                .containsExactly("1 processes' network namespaces could not be read (proc/PID/ns/net)");
    }

    /**
     * The engine is read after the scan of /proc: a container started in between is in a namespace the scan did not see, which
     * is reported as the scan would have (its interfaces too), not left for the server to take as the host's; a container
     * whose process has gone by then is reported as not running; one in the agent's own namespace stays unseen (the
     * server's "shares the host's" finding).
     */
    @Test
    void aContainerStartedOrStoppedWhileCollectingIsReportedAsItIs() throws Exception {
        process("self", 100, "S");
        process("1", 100, "S");
        Files.writeString(dir.resolve("proc/self/mountinfo"), "1 0 0:1 / / rw - ext4 /dev/vda rw\n");
        Files.createDirectories(dir.resolve("sys"));
        TaskStateCollector c = new TaskStateCollector(HostPaths.under(dir), Optional.of(java.net.URI.create("unix:///run/docker.sock")),
                Path.of("/run/leo/tasks"), engine -> {
                    try {
                        process("335", 300, "S"); // started after the scan
                        Files.writeString(Files.createDirectories(dir.resolve("proc/335/net")).resolve("dev"),
                                "Inter-|   Receive |  Transmit\n face |bytes\n    lo: 0 0\n");
                        process("336", 100, "S"); // shares the agent's namespace
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return new EngineState(List.of(container("started", 335), container("host", 336), container("gone", 337)), List.of(), 0, List.of());
                });
        TaskStateResult r = c.collect();
        assertThat(r.getNetNamespacesList()).containsExactly(NetNamespace.newBuilder().setInode(300).setPids(1).addInterfaces("lo").build());
        assertThat(r.getContainersList()).extracting(TaskContainer::getId, TaskContainer::getPid, TaskContainer::getNetNamespace)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("started", 335, 300L), org.assertj.core.groups.Tuple.tuple("host", 336, 100L),
                        org.assertj.core.groups.Tuple.tuple("gone", 0, 0L));
    }

    private static TaskContainer container(String id, int pid) {
        return TaskContainer.newBuilder().setId(id).setPid(pid).build();
    }
}
