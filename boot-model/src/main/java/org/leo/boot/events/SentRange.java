package org.leo.boot.events;

/**
 * The part of a file one transfer carried: bytes {@code first..last} (inclusive) of a file of
 * {@code total} bytes, as an HTTP range request asked for it. A typed fact of the boot event log,
 * so that the boot check counts resumed downloads without reading a sentence.
 */
public record SentRange(long first, long last, long total) {
    public SentRange {
        if (first < 0 || last < first || last >= total) {
            throw new IllegalArgumentException("not a byte range of a " + total + "-byte file: " + first + "-" + last);
        }
    }

    public long length() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return "range " + first + "-" + last + "/" + total;
    }
}
