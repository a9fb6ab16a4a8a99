package org.leo.agent.task;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.TaskFile;
import org.leo.protocol.attest.v1.TaskFileChunk;
import org.leo.protocol.attest.v1.TaskFileRequest;
import org.leo.protocol.capsule.ContentAddress;

/**
 * Fetches a task's files from the Pi (FetchTaskFile on the attestation channel), checking as they
 * arrive that no more than the assignment's size comes, and at the end the size and the SHA-256 it
 * named. The image goes to a file (never the heap), a capsule into memory.
 */
final class TaskFiles {
    /** A whole file must arrive within this (a 2 GiB image over a slow link: raise it with the link). */
    static final long DEADLINE_SECONDS = 600;

    private final ManagedChannel channel;
    private final long taskSeq;

    TaskFiles(ManagedChannel channel, long taskSeq) {
        this.channel = channel;
        this.taskSeq = taskSeq;
    }

    /** The file's bytes, held in memory (a capsule: the assignment check bounded its size). */
    byte[] fetch(String what, TaskFile file) throws TaskRefusedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) file.getSize());
        fetch(what, file, out);
        return out.toByteArray();
    }

    /** The file written to {@code to} (created new, mode 0600). */
    void fetch(String what, TaskFile file, Path to) throws TaskRefusedException, IOException {
        try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            fetch(what, file, out);
        }
    }

    private void fetch(String what, TaskFile file, OutputStream out) throws TaskRefusedException {
        MessageDigest sha = ContentAddress.sha256();
        long got = 0;
        Context.CancellableContext call = Context.current().withCancellation();
        Context previous = call.attach();
        try {
            Iterator<TaskFileChunk> chunks = AttestationGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .fetchTaskFile(TaskFileRequest.newBuilder().setTaskSeq(taskSeq).setFileId(file.getFileId()).build());
            while (chunks.hasNext()) {
                TaskFileChunk c = chunks.next();
                got += c.getData().size();
                if (got > file.getSize()) {
                    throw new TaskRefusedException(what + ": the Pi sent more than the " + file.getSize() + " bytes the assignment names");
                }
                sha.update(c.getData().asReadOnlyByteBuffer());
                c.getData().writeTo(out);
            }
        } catch (StatusRuntimeException e) {
            throw new TaskRefusedException(what + ": fetching file " + file.getFileId() + " failed: " + e.getStatus().getCode() + " "
                    + e.getStatus().getDescription(), e);
        } catch (IOException e) {
            throw new TaskRefusedException(what + ": could not write it: " + e.getMessage(), e);
        } finally {
            call.detach(previous);
            call.cancel(null);
        }
        if (got != file.getSize()) {
            throw new TaskRefusedException(what + ": the Pi sent " + got + " bytes, the assignment names " + file.getSize());
        }
        byte[] digest = sha.digest();
        if (!MessageDigest.isEqual(digest, file.getSha256().toByteArray())) {
            throw new TaskRefusedException(what + ": the Pi sent bytes with SHA-256 " + HexFormat.of().formatHex(digest) + ", the assignment names "
                    + HexFormat.of().formatHex(file.getSha256().toByteArray()));
        }
    }
}
