package org.leo.image.appliance;

/** A file that {@link ElfFile} cannot read: not a 64-bit little-endian ELF file, or a table that leaves the file. */
public final class ElfFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
