/**
 * The agent's task sandbox over the HPC's own dockerd (docs/tasks.md, "The sandbox (built)"):
 * {@link org.leo.agent.task.Sandbox} composes the image check ({@link org.leo.agent.task.ImageArchive},
 * {@link org.leo.agent.task.ImageLoad}), the guest's confinement ({@link org.leo.agent.task.GuestConfig}),
 * its one writable place ({@link org.leo.agent.task.WorkVolume}) and the proof that nothing is left
 * ({@link org.leo.agent.task.CleanCheck}).
 */
package org.leo.agent.task;
