package org.leo.agent.task;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.leo.protocol.attest.v1.ResultRecipient;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskCapsule;
import org.leo.protocol.attest.v1.TaskFile;
import org.leo.protocol.attest.v1.TaskLimits;
import org.leo.protocol.capsule.ResultRecipientStatement;
import org.leo.protocol.capsule.TaskCapsuleList;
import org.leo.protocol.keywrap.AgentKeyWrap;

/**
 * The agent's check of a task assignment from its Pi, a pure function of the message: every field within
 * its cap, every name and digest well-formed, the limits ones the sandbox accepts, and each result
 * recipient's key signed by its member key for the task AND for this assignment's capsule list
 * ({@link ResultRecipientStatement}, {@link TaskCapsuleList}: the addresses in the assignment's order): the task
 * owner's, and each other data capsule owner's, once each. An owner's Pi signs the list its ledger records, so a capsule
 * the executor's Pi added (with a recipient of its own), left out or moved fails an honest owner's signature. That the
 * recipients are exactly the owners of the data capsules is the runner's check once it has opened them (their headers
 * are signed). Anything else is a
 * {@link TaskRefusedException} with a sentence; nothing is fetched or run for a refused assignment.
 * The caps are the agent's heap's (hpc-agent/jvm.options: 16 MiB): capsules are held in memory.
 */
public final class TaskAssignmentCheck {
    public static final int MAX_CAPSULES = 16;
    /** A capsule file is read whole (its plaintext too): 2 MiB each, 4 MiB in all. */
    public static final long MAX_CAPSULE_BYTES = 2L << 20;
    public static final long MAX_CAPSULES_TOTAL_BYTES = 4L << 20;
    /** The image is streamed to a file in RAM, never held in the heap. */
    public static final long MAX_IMAGE_BYTES = 2L << 30;
    /** The result and the kept output are held in the heap and sealed there: 1 MiB, 64 KiB of each stream. */
    public static final long MAX_RESULT_BYTES = 1L << 20;
    public static final int MAX_OUTPUT_BYTES = 64 * 1024;
    public static final int MAX_ARGS = 64;
    public static final int MAX_ARG_BYTES = 4096;
    public static final long MAX_TIMEOUT_MILLIS = 24L * 3600 * 1000;
    static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** One checked capsule of the plan. */
    public record CapsuleRef(String name, TaskFile file, byte[] sealedKey) { }

    /** A result recipient whose signature verified: its member key (32 raw bytes) and wrap key. */
    public record Recipient(byte[] memberKey, PublicKey key) { }

    /**
     * A checked assignment: what the runner does. {@code recipient} is the task owner's wrap key, {@code recipients} every
     * recipient, the task owner's first, then the other data capsule owners' ({@code more_recipients}).
     */
    public record Plan(long taskSeq, TaskFile image, String imageId, List<CapsuleRef> capsules, List<String> command, Limits limits,
                       Duration timeout, PublicKey recipient, byte[] recipientSpki, List<Recipient> recipients) { }

    private TaskAssignmentCheck() {
    }

    public static Plan check(TaskAssignment a) throws TaskRefusedException {
        long seq = a.getTaskSeq();
        file("the image", a.getImage(), MAX_IMAGE_BYTES);
        if (!ImageArchive.DIGEST.matcher(a.getImageId()).matches()) {
            throw new TaskRefusedException("the image id must be sha256:<64 lower-case hex>, got '" + TarReader.shorten(a.getImageId()) + "'");
        }
        if (a.getCapsulesCount() > MAX_CAPSULES) {
            throw new TaskRefusedException(a.getCapsulesCount() + " capsules, at most " + MAX_CAPSULES);
        }
        List<CapsuleRef> capsules = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long total = 0;
        for (TaskCapsule c : a.getCapsulesList()) {
            String what = "capsule '" + TarReader.shorten(c.getName()) + "'";
            try {
                WorkVolume.checkNames(List.of(c.getName()));
            } catch (IllegalArgumentException e) {
                throw new TaskRefusedException(what + ": " + e.getMessage());
            }
            if (!names.add(c.getName())) {
                throw new TaskRefusedException(what + " is named twice");
            }
            file(what, c.getFile(), MAX_CAPSULE_BYTES);
            total += c.getFile().getSize();
            int k = c.getSealedKey().size();
            if (k < AgentKeyWrap.MIN_SEALED_BYTES || k > AgentKeyWrap.MAX_SEALED_BYTES) {
                throw new TaskRefusedException(what + ": the sealed key is " + k + " bytes, expected " + AgentKeyWrap.MIN_SEALED_BYTES + ".."
                        + AgentKeyWrap.MAX_SEALED_BYTES);
            }
            capsules.add(new CapsuleRef(c.getName(), c.getFile(), c.getSealedKey().toByteArray()));
        }
        if (total > MAX_CAPSULES_TOTAL_BYTES) {
            throw new TaskRefusedException("the capsules hold " + total + " bytes, at most " + MAX_CAPSULES_TOTAL_BYTES + " in all");
        }
        if (a.getCommandCount() > MAX_ARGS) {
            throw new TaskRefusedException("the command has " + a.getCommandCount() + " arguments, at most " + MAX_ARGS);
        }
        for (String arg : a.getCommandList()) {
            if (arg.getBytes(StandardCharsets.UTF_8).length > MAX_ARG_BYTES || arg.indexOf('\0') >= 0) {
                throw new TaskRefusedException("a command argument is longer than " + MAX_ARG_BYTES + " bytes or holds a NUL");
            }
        }
        if (a.getTimeoutMillis() == 0 || Integer.toUnsignedLong(a.getTimeoutMillis()) > MAX_TIMEOUT_MILLIS) {
            throw new TaskRefusedException("the timeout must be 1 ms to 24 h, got " + Integer.toUnsignedString(a.getTimeoutMillis()) + " ms");
        }
        if (a.getMoreRecipientsCount() > MAX_CAPSULES - 1) {
            throw new TaskRefusedException(a.getMoreRecipientsCount() + " more result recipients, at most " + (MAX_CAPSULES - 1)
                    + " (one per other owner of a data capsule)");
        }
        byte[] list = TaskCapsuleList.digest(capsules.stream().map(c -> c.file().getSha256().toByteArray()).toList());
        ResultRecipient r = a.getRecipient();
        PublicKey recipient = recipient(seq, list, r, "the task owner's");
        List<Recipient> recipients = new ArrayList<>(List.of(new Recipient(r.getOwnerMemberKey().toByteArray(), recipient)));
        HexFormat hex = HexFormat.of();
        Set<String> members = new HashSet<>(Set.of(hex.formatHex(r.getOwnerMemberKey().toByteArray())));
        for (ResultRecipient more : a.getMoreRecipientsList()) {
            PublicKey key = recipient(seq, list, more, "its");
            if (!members.add(hex.formatHex(more.getOwnerMemberKey().toByteArray()))) {
                throw new TaskRefusedException("member " + hex.formatHex(more.getOwnerMemberKey().toByteArray())
                        + " is a result recipient twice");
            }
            recipients.add(new Recipient(more.getOwnerMemberKey().toByteArray(), key));
        }
        Limits limits = limits(a.getLimits(), recipients.size());
        return new Plan(seq, a.getImage(), a.getImageId(), List.copyOf(capsules), List.copyOf(a.getCommandList()), limits,
                Duration.ofMillis(Integer.toUnsignedLong(a.getTimeoutMillis())), recipient, r.getWrapKeySpki().toByteArray(),
                List.copyOf(recipients));
    }

    private static void file(String what, TaskFile f, long max) throws TaskRefusedException {
        if (!FILE_ID.matcher(f.getFileId()).matches()) {
            throw new TaskRefusedException(what + ": the file id must match " + FILE_ID.pattern() + ", got '" + TarReader.shorten(f.getFileId()) + "'");
        }
        if (f.getSha256().size() != 32) {
            throw new TaskRefusedException(what + ": the SHA-256 is " + f.getSha256().size() + " bytes, expected 32");
        }
        if (f.getSize() == 0 || Long.compareUnsigned(f.getSize(), max) > 0) {
            throw new TaskRefusedException(what + ": " + Long.toUnsignedString(f.getSize()) + " bytes, expected 1.." + max);
        }
    }

    /**
     * The sandbox's limits; with {@code recipients} recipients the result is at most {@link #MAX_RESULT_BYTES} / recipients,
     * so that its sealed copies fit one report as one result does.
     */
    private static Limits limits(TaskLimits l, int recipients) throws TaskRefusedException {
        Limits d = Limits.DEFAULT;
        long result = l.getResultBytes() == 0 ? MAX_RESULT_BYTES : l.getResultBytes();
        int output = l.getOutputBytes() == 0 ? MAX_OUTPUT_BYTES : l.getOutputBytes();
        if (Long.compareUnsigned(result, MAX_RESULT_BYTES) > 0 || Integer.compareUnsigned(output, MAX_OUTPUT_BYTES) > 0) {
            throw new TaskRefusedException("this agent keeps at most " + MAX_RESULT_BYTES + " bytes of result and " + MAX_OUTPUT_BYTES
                    + " of each output, asked for " + Long.toUnsignedString(result) + " and " + Integer.toUnsignedString(output));
        }
        result = Math.min(result, MAX_RESULT_BYTES / recipients);
        try {
            long work = or(l.getWorkBytes(), d.workBytes());
            return new Limits(or(l.getMemoryBytes(), d.memoryBytes()), or(l.getNanoCpus(), d.nanoCpus()), or(l.getPids(), d.pids()),
                    work, or(l.getWorkInodes(), d.workInodes()), Math.min(result, work), output);
        } catch (IllegalArgumentException e) {
            throw new TaskRefusedException("limits: " + e.getMessage());
        }
    }

    private static long or(long v, long otherwise) {
        return v == 0 ? otherwise : v;
    }

    /**
     * {@code list}: the digest of the assignment's capsule list; {@code whose}: whose member key signs ("the task owner's",
     * or "its" for another data owner).
     */
    private static PublicKey recipient(long seq, byte[] list, ResultRecipient r, String whose) throws TaskRefusedException {
        byte[] spki = r.getWrapKeySpki().toByteArray();
        PublicKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TaskRefusedException("the result recipient's wrap key is not an RSA public key (SubjectPublicKeyInfo DER)");
        }
        if (!(key instanceof RSAPublicKey rsa) || rsa.getModulus().bitLength() != 2048) {
            throw new TaskRefusedException("the result recipient's wrap key is not RSA-2048");
        }
        if (r.getOwnerMemberKey().size() != ResultRecipientStatement.MEMBER_KEY_BYTES
                || r.getSignature().size() != ResultRecipientStatement.SIGNATURE_BYTES
                || !ResultRecipientStatement.verify(r.getOwnerMemberKey().toByteArray(), seq, spki, list, r.getSignature().toByteArray())) {
            throw new TaskRefusedException("the result recipient's wrap key is not signed by " + whose + " member key for task "
                    + Long.toUnsignedString(seq) + " and this assignment's capsule list (SHA-256 " + HexFormat.of().formatHex(list)
                    + "; one added, left out or moved is not the task's): nothing is run for it"
                    + (r.getOwnerMemberKey().size() == ResultRecipientStatement.MEMBER_KEY_BYTES
                    ? " (recipient " + HexFormat.of().formatHex(r.getOwnerMemberKey().toByteArray()) + ")" : ""));
        }
        return key;
    }
}
