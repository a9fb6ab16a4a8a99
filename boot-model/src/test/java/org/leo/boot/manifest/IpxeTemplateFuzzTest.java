package org.leo.boot.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the template check: it throws nothing but {@link IllegalArgumentException} with a
 * sentence, and an accepted template renders to a script of printable lines that still starts
 * with {@code #!ipxe}, holds the boot's nonce, and no token of ours is left in it.
 */
class IpxeTemplateFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzParseAndRender(byte[] input) {
        IpxeTemplate t;
        try {
            t = IpxeTemplate.parse(input);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith(IpxeTemplate.FILE);
            return;
        }
        String nonce = "0123456789abcdef".repeat(4);
        String script = t.render("tftp://10.0.0.1", nonce, "10.0.0.1", "console=ttyS0");
        assertThat(script).startsWith("#!ipxe\n").contains(nonce).doesNotContain(IpxeTemplate.NONCE).doesNotContain(IpxeTemplate.SERVER);
        assertThat(script.chars().allMatch(c -> c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f))).isTrue();
    }
}
