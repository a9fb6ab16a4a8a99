package org.leo.pxe.vm;

import java.time.Duration;

/**
 * One line of the VM's serial console.
 *
 * @param index 0-based line number (pass it to {@link QemuVm#awaitSerialAfter} to wait for later lines)
 * @param at    time of its end-of-line relative to the VM's power-on (process start)
 * @param text  the line without CR and escape sequences
 */
public record SerialLine(int index, Duration at, String text) {
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "+%.3fs #%d %s", at.toNanos() / 1e9, index, text);
    }
}
