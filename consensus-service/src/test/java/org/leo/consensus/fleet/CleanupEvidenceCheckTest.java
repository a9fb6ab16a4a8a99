package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.NetNamespace;
import org.leo.protocol.attest.v1.TaskContainer;
import org.leo.protocol.attest.v1.TaskStateResult;

/** The default clean-up check of a CLEANUP task round: the task state must be there, and empty. */
class CleanupEvidenceCheckTest {
    private static final String IMAGE = "sha256:" + "ab".repeat(32);

    private static EvidenceBody with(TaskStateResult state) {
        return EvidenceBody.newBuilder().addResults(CheckResult.newBuilder().setTaskState(state)).build();
    }

    @Test
    void evidenceWithoutTheTaskStateCannotShowACleanEngine() {
        assertThat(CleanupEvidenceCheck.TASK_STATE.problems(EvidenceBody.getDefaultInstance()))
                .singleElement().asString().startsWith("cleanup.no_task_state:");
    }

    @Test
    void anEmptyEngineAndAnImageWithoutEngineAreClean() {
        assertThat(CleanupEvidenceCheck.TASK_STATE.problems(with(TaskStateResult.newBuilder().setEngineConfigured(true).build()))).isEmpty();
        assertThat(CleanupEvidenceCheck.TASK_STATE.problems(with(TaskStateResult.newBuilder().setEngineConfigured(false).build()))).isEmpty();
    }

    @Test
    void whateverOfTheTaskIsLeftIsNamed() {
        TaskStateResult left = TaskStateResult.newBuilder().setEngineConfigured(true)
                .addContainers(TaskContainer.newBuilder().setId("c".repeat(64)).setImageId(IMAGE).setState("exited"))
                .addImageIds(IMAGE).setVolumes(1).build();
        assertThat(CleanupEvidenceCheck.TASK_STATE.problems(with(left)))
                .allMatch(p -> p.startsWith("cleanup.task_left: task."))
                .anyMatch(p -> p.contains("task.unexpected-container"))
                .anyMatch(p -> p.contains("task.unexpected-image") && p.contains(IMAGE))
                .anyMatch(p -> p.contains("task.unexpected-volume"));
    }

    @Test
    void aForeignNetworkNamespaceWithAnInterfaceIsFoundEvenWithoutAnEngine() {
        TaskStateResult ns = TaskStateResult.newBuilder().setEngineConfigured(false)
                .addNetNamespaces(NetNamespace.newBuilder().setInode(4026532999L).setPids(1).addInterfaces("lo").addInterfaces("veth0")).build();
        assertThat(CleanupEvidenceCheck.TASK_STATE.problems(with(ns))).isNotEmpty().allMatch(p -> p.startsWith("cleanup.task_left: task."));
    }
}
