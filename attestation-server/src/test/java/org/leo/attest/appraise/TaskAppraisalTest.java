package org.leo.attest.appraise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.leo.attest.schedule.ChallengeFactory;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.ContainerMount;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.MountEntry;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/** The task-state rules over crafted results: each finding by id and sentence, and what old goldens keep. */
class TaskAppraisalTest {
    static final String HPC = "52:54:00:77:00:10";
    static final String IMAGE = "sha256:" + "3e".repeat(32);
    static final String OTHER = "sha256:" + "ab".repeat(32);
    static final MountEntry ROOT = mount("/", "ext4", "/dev/vda", "rw,relatime");
    static final MountEntry PROC = mount("/proc", "proc", "proc", "rw");
    static final TaskStateResult BASELINE = TaskStateResult.newBuilder().setEngineConfigured(true).setWorkRoot("/run/leo/tasks")
            .addMounts(ROOT).addMounts(PROC).build();
    static final TaskContainer GUEST = TaskContainer.newBuilder().setId("c".repeat(64)).setImageId(IMAGE).setState("running").setPid(4242)
            .setNetNamespace(4026532178L).setRootfs("/var/lib/docker/overlay2/abc/merged")
            .addMounts(ContainerMount.newBuilder().setType("bind").setSource("/run/leo/tasks/task-1").setDestination("/work").setReadWrite(true))
            .build();
    static final TaskStateResult RUNNING = BASELINE.toBuilder().addContainers(GUEST).addImageIds(IMAGE)
            .addNetNamespaces(NetNamespace.newBuilder().setInode(4026532178L).setPids(1).addInterfaces("lo"))
            .addMounts(mount("/run/leo/tasks/task-1", "tmpfs", "leo-task-work", "rw,nosuid,nodev"))
            .addMounts(mount("/var/lib/docker/overlay2/abc/merged", "overlay", "overlay", "rw")).build();

    static MountEntry mount(String point, String type, String source, String options) {
        return MountEntry.newBuilder().setMountPoint(point).setFsType(type).setSource(source).setOptions(options).build();
    }

    static List<Finding> appraise(TaskStateResult got, Optional<TaskStateResult> baseline, TaskExpectation e) {
        Findings out = new Findings(HPC, Policy.defaults());
        TaskAppraisal.appraise(got, baseline, e, out);
        return out.list();
    }

    @Test
    void anIdleHpcAndARunningTaskAppraiseClean() {
        assertThat(appraise(BASELINE, Optional.of(BASELINE), TaskExpectation.NONE)).isEmpty();
        assertThat(appraise(RUNNING, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE))).isEmpty();
        assertThat(TaskAppraisal.cleanup(HPC, Policy.defaults(), BASELINE, Optional.of(BASELINE))).isEmpty();
    }

    @Test
    void aRunningTaskWhenNoneIsExpectedIsEveryPartOfIt() {
        List<Finding> f = appraise(RUNNING, Optional.of(BASELINE), TaskExpectation.NONE);
        assertThat(f).extracting(Finding::eventId).containsExactly("task.unexpected-container", "task.unexpected-image",
                "task.unexpected-netns", "task.new-mount", "task.new-mount");
        assertThat(f.get(0).sentence()).isEqualTo("HPC " + HPC + ": container cccccccccccc of image " + IMAGE
                + " (running) is in the engine while no task is expected");
        assertThat(f.get(4).sentence()).isEqualTo("HPC " + HPC + ": mount /var/lib/docker/overlay2/abc/merged (overlay from overlay) is new since the baseline");
    }

    @Test
    void aSecondContainerAndAnotherImageAreFound() {
        TaskContainer second = TaskContainer.newBuilder().setId("d".repeat(64)).setImageId(OTHER).setState("created").build();
        List<Finding> f = appraise(RUNNING.toBuilder().addContainers(second).addImageIds(OTHER).build(), Optional.of(BASELINE),
                new TaskExpectation.Running(IMAGE));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.unexpected-container", "task.unexpected-image");
        assertThat(f.get(0).sentence()).isEqualTo("HPC " + HPC + ": container dddddddddddd of image " + OTHER
                + " (created) is in the engine beside the task's container cccccccccccc");
        assertThat(f).allSatisfy(x -> assertThat(x.severity()).isEqualTo(Severity.ERROR));
    }

    @Test
    void aContainerOfAnotherImageInsteadOfTheTasksIsFound() {
        TaskStateResult r = RUNNING.toBuilder().setContainers(0, GUEST.toBuilder().setImageId(OTHER)).setImageIds(0, OTHER).build();
        List<Finding> f = appraise(r, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.unexpected-container", "task.container-missing",
                "task.unexpected-image", "task.unexpected-netns", "task.new-mount", "task.new-mount");
        assertThat(f.get(0).sentence()).isEqualTo("HPC " + HPC + ": container cccccccccccc of image " + OTHER
                + " (running) is in the engine instead of the task's, of image " + IMAGE);
    }

    @Test
    void anInterfaceInAnyForeignNamespaceIsCritical() {
        TaskStateResult r = RUNNING.toBuilder().setNetNamespaces(0, NetNamespace.newBuilder().setInode(4026532178L).setPids(1)
                .addInterfaces("eth0").addInterfaces("lo")).build();
        List<Finding> f = appraise(r, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.netns-interface");
        assertThat(f.get(0).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(f.get(0).sentence()).isEqualTo("HPC " + HPC + ": network namespace 4026532178 (1 processes, interfaces [eth0, lo]) has an interface other than lo: eth0");
    }

    @Test
    void aTaskContainerInTheHostsNamespaceIsFound() {
        TaskStateResult r = RUNNING.toBuilder().clearNetNamespaces().build();
        assertThat(appraise(r, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE))).extracting(Finding::eventId, Finding::severity)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("task.netns-shared", Severity.CRITICAL));
    }

    @Test
    void mountsAreComparedWithTheBaselineAndTheTaskContainersOwn() {
        TaskStateResult r = RUNNING.toBuilder().removeMounts(1).setMounts(0, mount("/", "ext4", "/dev/vda", "ro,relatime"))
                .addMounts(mount("/run/leo/tasks/task-2", "tmpfs", "leo-task-work", "rw")) // not bound into the task's container
                .addMounts(mount("/mnt", "tmpfs", "tmpfs", "rw")).build();
        List<Finding> f = appraise(r, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.mount-changed", "task.new-mount", "task.new-mount", "task.mount-gone");
        assertThat(f).extracting(Finding::got).containsExactly("ro,relatime", "/run/leo/tasks/task-2 (tmpfs from leo-task-work)",
                "/mnt (tmpfs from tmpfs)", "");
        assertThat(f.get(3).sentence()).isEqualTo("HPC " + HPC + ": mount /proc (proc from proc) of the baseline is gone");
    }

    @Test
    void theWorkTmpfsMustBeUnderTheWorkRootAndBoundAtWork() {
        TaskContainer elsewhere = GUEST.toBuilder().setMounts(0, GUEST.getMounts(0).toBuilder().setSource("/etc/leo")).build();
        MountEntry m = mount("/etc/leo", "tmpfs", "leo-task-work", "rw");
        assertThat(TaskAppraisal.allowedBy(elsewhere, m, "/run/leo/tasks")).isEmpty();
        assertThat(TaskAppraisal.allowedBy(GUEST, mount("/run/leo/tasks/task-1", "tmpfs", "leo-task-work", "rw"), "/run/leo/tasks")).contains("its work tmpfs");
        assertThat(TaskAppraisal.allowedBy(GUEST, mount("/run/leo/tasks/task-1", "tmpfs", "tmpfs", "rw"), "/run/leo/tasks")).isEmpty();
        TaskContainer pinned = GUEST.toBuilder().setSandboxKey("/var/run/docker/netns/abc").build();
        assertThat(TaskAppraisal.allowedBy(pinned, mount("/var/run/docker/netns/abc", "nsfs", "nsfs", "rw"), "/run/leo/tasks")).contains("its pinned network namespace");
    }

    @Test
    void volumesMissingEnginesMissingContainersAndCollectErrors() {
        TaskStateResult r = BASELINE.toBuilder().setEngineConfigured(false).setVolumes(2)
                .addErrors(CheckError.newBuilder().setCheck("task_state").setMessage("the engine did not answer")).build();
        List<Finding> f = appraise(r, Optional.of(BASELINE), new TaskExpectation.Running(IMAGE));
        assertThat(f).extracting(Finding::eventId).containsExactly("task.collect-error", "task.container-missing", "task.engine-missing",
                "task.unexpected-volume");
        assertThat(f).extracting(Finding::severity).containsExactly(Severity.WARNING, Severity.WARNING, Severity.ERROR, Severity.ERROR);
    }

    @Test
    void withoutABaselineTaskStateMountsAreNotCompared() {
        assertThat(appraise(RUNNING, Optional.empty(), new TaskExpectation.Running(IMAGE))).isEmpty();
        assertThat(appraise(RUNNING.toBuilder().addMounts(mount("/mnt", "tmpfs", "x", "rw")).build(), Optional.empty(), TaskExpectation.NONE))
                .extracting(Finding::eventId).doesNotContain("task.new-mount");
    }

    @Test
    void anImageIdIsADigest() {
        assertThatThrownBy(() -> new TaskExpectation.Running("busybox:latest")).hasMessage("a task's image id is sha256:<64 lower-case hex>, got 'busybox:latest'");
    }

    @Test
    void anOldGoldenIsNeverAskedForTheTaskStateAndANewOneIsWhileATaskRuns() {
        Policy rarely = Policy.of(java.util.Map.of("check.task-state.probability", "0.0001"));
        ChallengeFactory factory = new ChallengeFactory(rarely, new SecureRandom(), 0);
        assertThat(factory.baseline().getChecksList()).anyMatch(Check::hasTaskState);
        EvidenceBody old = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setOs(OsResult.getDefaultInstance())).build();
        Golden oldGolden = new Golden(HPC, "n", old);
        Golden newGolden = new Golden(HPC, "n", old.toBuilder().addResults(CheckResult.newBuilder().setTaskState(BASELINE)).build());
        for (int i = 0; i < 50; i++) {
            assertThat(factory.random(oldGolden, true).getChecksList()).noneMatch(Check::hasTaskState);
            assertThat(factory.random(newGolden, true).getChecksList()).anyMatch(Check::hasTaskState);
        }
        Policy never = Policy.of(java.util.Map.of("check.task-state.probability", "0"));
        assertThat(new ChallengeFactory(never, new SecureRandom(), 0).baseline().getChecksList()).noneMatch(Check::hasTaskState);
    }

    @Test
    void whatTheAgentCouldNotReadDoesNotRefuseABaseline() {
        GoldenCheck check = new GoldenCheck(Policy.defaults(), new ReferenceRoots());
        org.leo.protocol.attest.v1.Challenge c = org.leo.protocol.attest.v1.Challenge.newBuilder()
                .addChecks(Check.newBuilder().setTaskState(org.leo.protocol.attest.v1.TaskStateCheck.getDefaultInstance())).build();
        EvidenceBody body = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTaskState(BASELINE.toBuilder()
                .addErrors(CheckError.newBuilder().setCheck("task_state").setMessage("1 processes' network namespaces could not be read")))).build();
        assertThat(check.problems(c, body, "n")).isEmpty();
    }

    @Test
    void aBaselineWithATaskRunningIsNotTaken() {
        GoldenCheck check = new GoldenCheck(Policy.defaults(), new ReferenceRoots());
        org.leo.protocol.attest.v1.Challenge c = org.leo.protocol.attest.v1.Challenge.newBuilder()
                .addChecks(Check.newBuilder().setTaskState(org.leo.protocol.attest.v1.TaskStateCheck.getDefaultInstance())).build();
        EvidenceBody body = EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTaskState(RUNNING)).build();
        assertThat(check.problems(c, body, "n")).contains("task state: container cccccccccccc of image " + IMAGE
                + " (running) is in the engine while no task is expected");
    }
}
