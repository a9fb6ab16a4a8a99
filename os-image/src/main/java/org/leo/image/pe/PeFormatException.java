package org.leo.image.pe;

/**
 * Bytes that are not the PE/COFF image they claim to be, or an image this package will not hash or
 * extend. The only exception {@link PeImage}, {@link Authenticode} and {@link UkiBuilder} throw for
 * bad input; the message names the structure and field ("PE optional header: expected at least 112
 * bytes, got 40").
 */
public final class PeFormatException extends Exception {
    public PeFormatException(String message) {
        super(message, null, false, false);
    }
}
