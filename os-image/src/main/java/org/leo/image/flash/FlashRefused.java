package org.leo.image.flash;

import java.util.List;

/**
 * {@code leo flash} will not write, and has written nothing: the image does not match its signed manifest, the
 * manifest's signature does not verify, or the device must not be overwritten. {@link #reasons} says every reason found.
 */
public final class FlashRefused extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<String> reasons;

    public FlashRefused(List<String> reasons) {
        super(String.join("; ", reasons));
        this.reasons = List.copyOf(reasons);
    }

    public FlashRefused(String reason) {
        this(List.of(reason));
    }

    public List<String> reasons() {
        return reasons;
    }
}
