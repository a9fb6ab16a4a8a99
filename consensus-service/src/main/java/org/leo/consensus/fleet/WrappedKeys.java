package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.tpm.WrapKey;

/**
 * The capsule keys this Pi holds, each wrapped by its TPM (docs/key-release.md): by capsule address. The file form is
 * the key file {@code leo capsule seal --tpm} writes ({@code wrap-key SHA256} and {@code wrapped-key HEX} lines), kept as
 * {@code DIR/<capsule address hex>.key}; a key file in clear (a lab's seal without {@code --tpm}) is not a wrapped key and
 * is never released.
 */
public interface WrappedKeys {
    /** The wrapped key of the capsule at {@code address} ({@link WrapKey#WRAPPED_BYTES} bytes), if this Pi holds one. */
    Optional<byte[]> wrapped(ContentAddress address) throws IOException;

    /** Key files in {@code dir}, named by capsule address. */
    static WrappedKeys directory(Path dir) {
        return address -> {
            Path file = dir.resolve(address.hex() + ".key"); // a name made from a parsed address only
            String text;
            try {
                if (Files.size(file) > 2048) {
                    return Optional.empty();
                }
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            return text.lines().filter(l -> l.startsWith("wrapped-key ")).map(l -> l.substring(12).strip()).findFirst()
                    .filter(h -> h.length() == 2 * WrapKey.WRAPPED_BYTES && h.chars().allMatch(c -> Character.digit(c, 16) >= 0))
                    .map(h -> HexFormat.of().parseHex(h));
        };
    }
}
