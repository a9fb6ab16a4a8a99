package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TpmEndpointTest {
    @ParameterizedTest
    @ValueSource(strings = {"device:/dev/tpmrm0", "device:/dev/tpm0", "swtpm:127.0.0.1:2321", "swtpm:localhost:65534",
            "swtpm:[::1]:2321", "swtpm:tpm.example:1"})
    void toStringRoundTrips(String text) {
        assertThat(TpmEndpoint.parse(text)).hasToString(text);
        assertThat(TpmEndpoint.parse(TpmEndpoint.parse(text).toString())).isEqualTo(TpmEndpoint.parse(text));
    }

    @Test
    void partsAreTyped() {
        assertThat(TpmEndpoint.parse("device:/dev/tpmrm0")).isEqualTo(new TpmEndpoint.Device(Path.of("/dev/tpmrm0")));
        TpmEndpoint.Swtpm swtpm = (TpmEndpoint.Swtpm) TpmEndpoint.parse("swtpm:[::1]:2321");
        assertThat(swtpm.host()).isEqualTo("::1");
        assertThat(swtpm.port()).isEqualTo(2321);
        assertThat(swtpm.ctrlPort()).isEqualTo(2322);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tcp:127.0.0.1:2321|TPM endpoint 'tcp:127.0.0.1:2321' is neither device:PATH nor swtpm:HOST:PORT",
            "device:|TPM endpoint 'device:' has no device path after 'device:'",
            "swtpm:localhost|TPM endpoint 'swtpm:localhost' is not swtpm:HOST:PORT",
            "swtpm::2321|TPM endpoint 'swtpm::2321' is not swtpm:HOST:PORT",
            "swtpm:localhost:|TPM endpoint 'swtpm:localhost:' is not swtpm:HOST:PORT",
            "swtpm:localhost:x|TPM endpoint 'swtpm:localhost:x' has port 'x', expected a number",
            "swtpm:localhost:65535|swtpm port 65535 is outside 1..65534 (the control port is port+1)",
            "swtpm:localhost:0|swtpm port 0 is outside 1..65534 (the control port is port+1)",
            "swtpm:::1:2321|TPM endpoint 'swtpm:::1:2321': an IPv6 host goes in brackets, swtpm:[::1]:PORT",
    })
    void badTextSaysWhatWasExpected(String text, String message) {
        assertThatThrownBy(() -> TpmEndpoint.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
