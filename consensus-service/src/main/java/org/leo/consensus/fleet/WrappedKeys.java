package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.tpm.WrapKey;

/**
 * The capsule keys this Pi holds, each wrapped by its TPM (docs/key-release.md): by capsule address. The file form is
 * the key file {@code leo capsule seal --tpm} writes ({@code wrap-key SHA256} and {@code wrapped-key HEX} lines), kept as
 * {@code DIR/<capsule address hex>.key}; a key file in clear (a lab's seal without {@code --tpm}) is not a wrapped key and
 * is never released. A key file may also carry {@code service SEQ} lines ({@code leo task offer}): the services this Pi's
 * owner offered the capsule for, its consent to tasks of other members (docs/tasks.md "Tasks with data of several owners").
 */
public interface WrappedKeys {
    /** The wrapped key of the capsule at {@code address} ({@link WrapKey#WRAPPED_BYTES} bytes), if this Pi holds one. */
    Optional<byte[]> wrapped(ContentAddress address) throws IOException;

    /**
     * The services (the seqs of their ServicePublished entries) this Pi's owner offered the capsule for: the only tasks of
     * other members its key is released to. Empty if none (a capsule sealed for the owner's own tasks).
     */
    default Set<Long> offeredFor(ContentAddress address) throws IOException {
        return Set.of();
    }

    /** Key files in {@code dir}, named by capsule address. */
    static WrappedKeys directory(Path dir) {
        return new WrappedKeys() {
            @Override
            public Optional<byte[]> wrapped(ContentAddress address) throws IOException {
                return lines(address, "wrapped-key ").stream().findFirst()
                        .filter(h -> h.length() == 2 * WrapKey.WRAPPED_BYTES && h.chars().allMatch(c -> Character.digit(c, 16) >= 0))
                        .map(h -> HexFormat.of().parseHex(h));
            }

            @Override
            public Set<Long> offeredFor(ContentAddress address) throws IOException {
                Set<Long> services = new TreeSet<>();
                for (String seq : lines(address, "service ")) {
                    if (seq.length() <= 19 && !seq.isEmpty() && seq.chars().allMatch(c -> c >= '0' && c <= '9')) {
                        services.add(Long.parseLong(seq));
                    }
                }
                return services;
            }

            /** The values of the key file's lines that start with {@code prefix}, stripped; none for a missing or oversized file. */
            private java.util.List<String> lines(ContentAddress address, String prefix) throws IOException {
                Path file = dir.resolve(address.hex() + ".key"); // a name made from a parsed address only
                String text;
                try {
                    if (Files.size(file) > 2048) {
                        return java.util.List.of();
                    }
                    text = Files.readString(file, StandardCharsets.ISO_8859_1);
                } catch (NoSuchFileException e) {
                    return java.util.List.of();
                }
                return text.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip()).toList();
            }
        };
    }
}
