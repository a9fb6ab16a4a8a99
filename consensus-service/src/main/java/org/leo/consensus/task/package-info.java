/**
 * Trusted tasks on the fleet (docs/tasks.md): what a settled task pays whom ({@link org.leo.consensus.task.Settlement}).
 * Services, tasks, the election of the execution group and the key release join it as they are built.
 */
package org.leo.consensus.task;
