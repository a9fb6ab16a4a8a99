package org.leo.boot.manifest;

/**
 * A manifest file that is not exactly a canonical, signed {@code leo-boot-manifest v1}. The
 * message names the line and the rule broken; it is the only exception the parser throws.
 */
public final class ManifestFormatException extends Exception {
    public ManifestFormatException(String message) {
        super(message, null, false, false);
    }
}
