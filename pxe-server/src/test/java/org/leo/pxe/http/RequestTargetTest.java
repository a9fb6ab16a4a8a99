package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestTargetTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/vmlinuz|vmlinuz",
        "/efi/boot/bootx64.efi?x=1|efi/boot/bootx64.efi",
        "/a#frag|a",
        "/%2e%2e/etc|../etc",
        "/caf%C3%A9|caf\u00e9",
        "http://10.0.0.1:8080/vmlinuz|vmlinuz",
        "HTTP://host|''",
        "/|''",
        "//x|/x",
    })
    void decodes(String uri, String path) throws Exception {
        assertThat(RequestTarget.bootPath(uri)).isEqualTo(path);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "vmlinuz|request target is not an absolute path",
        "*|request target is not an absolute path",
        "?x|request target is not an absolute path",
        "/%zz|invalid percent-escape",
        "/%4|truncated percent-escape",
        "/%ff|percent-escapes are not UTF-8",
        "/caf\u00e9|non-ASCII character in request target",
    })
    void rejects(String uri, String message) {
        assertThatThrownBy(() -> RequestTarget.bootPath(uri)).hasMessage(message);
    }
}
