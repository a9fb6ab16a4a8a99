package org.leo.pxe.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** HMP answer cleaning, on bytes captured from QEMU 7.2's monitor (readline redraws every keystroke). */
class HmpMonitorTest {
    private static final String ECHO_INFO_STATUS = "i\u001b[K\u001b[Din\u001b[K\u001b[D\u001b[Dinf\u001b[K\u001b[D\u001b[D\u001b[Dinfo"
            + "\u001b[K\u001b[D\u001b[D\u001b[D\u001b[Dinfo \u001b[K\u001b[D\u001b[D\u001b[D\u001b[D\u001b[Dinfo s\u001b[K"
            + "\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[Dinfo st\u001b[K\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D"
            + "\u001b[Dinfo sta\u001b[K\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[Dinfo stat\u001b[K\u001b[D"
            + "\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[Dinfo statu\u001b[K\u001b[D\u001b[D\u001b[D\u001b[D"
            + "\u001b[D\u001b[D\u001b[D\u001b[D\u001b[D\u001b[Dinfo status\u001b[K\r\n";

    @Test
    void stripsEchoEscapesAndPrompt() {
        assertThat(HmpMonitor.clean("info status", ECHO_INFO_STATUS + "VM status: running\r\n(qemu) "))
                .isEqualTo("VM status: running");
    }

    @Test
    void keepsMultiLineAnswers() {
        String raw = "info network\r\nhub 0\r\n \\ n0: index=0,type=tap,ifname=leovtp\r\n(qemu) ";
        assertThat(HmpMonitor.clean("info network", raw))
                .isEqualTo("hub 0\n \\ n0: index=0,type=tap,ifname=leovtp");
    }

    @Test
    void commandWithoutOutputIsEmpty() {
        assertThat(HmpMonitor.clean("system_reset", "system_reset\u001b[K\r\n(qemu) ")).isEmpty();
    }

    @Test
    void errorTextIsReturned() {
        assertThat(HmpMonitor.clean("bogus_cmd", "bogus_cmd\u001b[K\r\nunknown command: 'bogus_cmd'\r\n(qemu) "))
                .isEqualTo("unknown command: 'bogus_cmd'");
    }
}
