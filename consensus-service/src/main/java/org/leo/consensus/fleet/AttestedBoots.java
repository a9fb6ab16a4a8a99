package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a monitor saw of each boot it appraised TRUSTED in a task's ATTEST round (the agent certificate's SHA-256 and the
 * golden's boot nonce), which its CLEANUP appraisal compares the fresh boot with ({@link TaskAppraisal}). The last
 * {@code kept} are kept; with a file, each is appended and forced to disk before the TRUSTED verdict is signed, so a
 * monitor restarted (or killed) between the two rounds still judges the clean-up instead of failing it closed.
 *
 * <p>The file is text, one boot a line: {@code TASK-SEQ HPC-MAC AGENT-SHA256-HEX BOOT-NONCE} ({@code -} for none). A
 * line that is not of that shape (a torn last line after a crash) is skipped on reading. At opening, a file with more
 * than twice {@code kept} lines is rewritten with the last {@code kept}.
 */
final class AttestedBoots implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestedBoots.class);
    private static final Pattern LINE = Pattern.compile("(\\d{1,19}) ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) ([0-9a-f]{64}) ([0-9A-Za-z._-]{1,128})");
    private static final String NONE = "-";

    /** One boot: the agent certificate's SHA-256 and the boot nonce ("" if the golden carried none). */
    record Seen(byte[] agentSha256, String bootNonce) {
    }

    private final int kept;
    private final Map<String, Seen> seen;
    private final FileChannel file;

    private AttestedBoots(int kept, FileChannel file) {
        this.kept = kept;
        this.file = file;
        this.seen = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > AttestedBoots.this.kept;
            }
        };
    }

    /** Kept in memory only (a monitor without a data directory, tests). */
    static AttestedBoots inMemory(int kept) {
        return new AttestedBoots(kept, null);
    }

    /** Kept in {@code path} (created), the boots in it read back. */
    static AttestedBoots open(Path path, int kept) throws IOException {
        List<String> lines = Files.exists(path) ? Files.readAllLines(path, StandardCharsets.US_ASCII) : List.of();
        List<String> good = new ArrayList<>();
        int torn = 0;
        for (String l : lines) {
            if (LINE.matcher(l).matches()) {
                good.add(l);
            } else {
                torn++;
            }
        }
        if (torn > 0) {
            LOG.warn("consensus: {} line(s) of {} are not a boot record (a write cut short?): skipped", torn, path);
        }
        if (good.size() > 2 * kept || torn > 0) {
            List<String> last = good.subList(Math.max(0, good.size() - kept), good.size());
            org.leo.protocol.capsule.DurableFiles.write(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                    List.of(ByteBuffer.wrap(String.join("", last.stream().map(x -> x + "\n").toList()).getBytes(StandardCharsets.US_ASCII))));
            good = new ArrayList<>(last);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        AttestedBoots b = new AttestedBoots(kept, ch);
        for (String l : good) {
            String[] f = l.split(" ");
            b.seen.put(key(Long.parseLong(f[0]), f[1]), new Seen(HexFormat.of().parseHex(f[2]), f[3].equals(NONE) ? "" : f[3]));
        }
        return b;
    }

    private static String key(long taskSeq, String hpc) {
        return Long.toUnsignedString(taskSeq) + " " + hpc;
    }

    /** Records the boot seen TRUSTED in task {@code taskSeq}'s ATTEST round of {@code hpc}; durable when this returns. */
    synchronized void put(long taskSeq, org.leo.boot.net.MacAddress hpc, Seen s) throws IOException {
        String nonce = s.bootNonce().isEmpty() ? NONE : s.bootNonce();
        if (!nonce.matches("[0-9A-Za-z._-]{1,128}") || s.agentSha256().length != 32) {
            throw new IllegalArgumentException("not a boot record: nonce '" + nonce + "', " + s.agentSha256().length + "-byte agent digest");
        }
        String k = key(taskSeq, hpc.toString());
        if (file != null) {
            ByteBuffer line = ByteBuffer.wrap((k + " " + HexFormat.of().formatHex(s.agentSha256()) + " " + nonce + "\n").getBytes(StandardCharsets.US_ASCII));
            while (line.hasRemaining()) {
                file.write(line);
            }
            file.force(false);
        }
        seen.put(k, s);
    }

    synchronized Optional<Seen> get(long taskSeq, org.leo.boot.net.MacAddress hpc) {
        return Optional.ofNullable(seen.get(key(taskSeq, hpc.toString())));
    }

    @Override
    public synchronized void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                LOG.warn("consensus: closing the attested boots' file: {}", e.toString());
            }
        }
    }
}
