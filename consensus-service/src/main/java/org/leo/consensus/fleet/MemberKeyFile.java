package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Pi's {@link MemberKeys} on disk: {@code member.key} in its consensus directory, two lines
 * {@code verdict-secret HEX} and {@code vrf-secret HEX}, readable by its owner only. Made once, on the
 * first start, and never again: the member key is the Pi's identity on the ledger (its credit is
 * keyed by it), so a lost file is a new member with the starting credit. Written to a temporary file
 * and renamed into place, so a crash leaves either no file or a whole one.
 */
public final class MemberKeyFile {
    private static final Logger LOG = LoggerFactory.getLogger(MemberKeyFile.class);
    public static final String NAME = "member.key";

    private MemberKeyFile() {
    }

    /** The keys in {@code dir}/{@value #NAME}, made (with {@code random}) if there is no such file yet. */
    public static MemberKeys loadOrCreate(Path dir, SecureRandom random) throws IOException {
        Path file = dir.resolve(NAME);
        if (Files.exists(file)) {
            return load(file);
        }
        Files.createDirectories(dir);
        MemberKeys keys = MemberKeys.generate(random);
        byte[] verdict = keys.verdictSecret();
        byte[] vrf = keys.vrfSecret();
        String text = "verdict-secret " + HexFormat.of().formatHex(verdict) + "\nvrf-secret " + HexFormat.of().formatHex(vrf) + "\n";
        java.util.Arrays.fill(verdict, (byte) 0);
        java.util.Arrays.fill(vrf, (byte) 0);
        Path tmp = dir.resolve(NAME + ".new");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("consensus: made this Pi's member keys in {}: member {}", file, keys.memberHex());
        return keys;
    }

    /** The keys in {@code file}; an IOException names the file and what is wrong with it. */
    public static MemberKeys load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        byte[] verdict = null;
        byte[] vrf = null;
        for (String l : lines) {
            String[] f = l.split("\\s+");
            if (f.length == 2 && f[0].equals("verdict-secret") && verdict == null) {
                verdict = secret(file, f[1]);
            } else if (f.length == 2 && f[0].equals("vrf-secret") && vrf == null) {
                vrf = secret(file, f[1]);
            } else {
                throw new IOException(file + ": expected the lines 'verdict-secret HEX' and 'vrf-secret HEX', got '"
                        + (l.length() > 40 ? l.substring(0, 40) + "..." : l) + "'");
            }
        }
        if (verdict == null || vrf == null) {
            throw new IOException(file + ": expected both 'verdict-secret HEX' and 'vrf-secret HEX'");
        }
        return MemberKeys.of(verdict, vrf);
    }

    private static byte[] secret(Path file, String hex) throws IOException {
        if (hex.length() != 2 * MemberKeys.SECRET_BYTES || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IOException(file + ": a secret is " + 2 * MemberKeys.SECRET_BYTES + " hex digits");
        }
        return HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
    }
}
