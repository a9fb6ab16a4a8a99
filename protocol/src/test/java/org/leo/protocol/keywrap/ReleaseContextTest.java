package org.leo.protocol.keywrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link ReleaseContext}: the pinned encoding, its bounds, and that no two contexts encode alike. */
class ReleaseContextTest {
    @Test
    void theEncodingIsTheLengthPrefixedTaskIdAndTheTwoDigests() {
        byte[] capsule = new byte[32];
        byte[] agent = new byte[32];
        capsule[0] = (byte) 0xCC;
        agent[31] = (byte) 0xAA;
        assertThat(HexFormat.of().formatHex(new ReleaseContext("task-42", capsule, agent).encode())).isEqualTo("0007"
                + "7461736b2d3432" // "task-42"
                + "cc" + "00".repeat(31) + "00".repeat(31) + "aa");
        assertThat(new ReleaseContext("t\u00e2che", capsule, agent).encode()).startsWith(0x00, 0x06); // UTF-8 bytes, not chars
    }

    @Test
    void fieldsCannotBeShiftedIntoEachOther() {
        byte[] d = new byte[32];
        assertThat(new ReleaseContext("ab", d, d).encode()).isNotEqualTo(new ReleaseContext("a", d, d).encode());
        assertThat(new ReleaseContext("ab", d, d)).isNotEqualTo(new ReleaseContext("a", d, d))
                .isEqualTo(new ReleaseContext("ab", d.clone(), d.clone()));
    }

    @Test
    void boundsAreChecked() {
        byte[] d = new byte[32];
        assertThat(new ReleaseContext("x".repeat(256), d, d).encode()).hasSize(ReleaseContext.MAX_ENCODED_BYTES);
        assertThat(ReleaseContext.MAX_ENCODED_BYTES).isLessThanOrEqualTo(AgentKeyWrap.MAX_CONTEXT_BYTES);
        assertThatThrownBy(() -> new ReleaseContext("x".repeat(257), d, d)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task id: expected 1..256 bytes of UTF-8, got 257");
        assertThatThrownBy(() -> new ReleaseContext("", d, d)).hasMessage("task id: expected 1..256 bytes of UTF-8, got 0");
        assertThatThrownBy(() -> new ReleaseContext("t", new byte[20], d)).hasMessage("capsule digest: expected 32 bytes, got 20");
        assertThatThrownBy(() -> new ReleaseContext("t", d, new byte[33])).hasMessage("agent certificate SHA-256: expected 32 bytes, got 33");
    }

    @Test
    void ofTakesTheSha256OfTheCertificatesDer() throws Exception {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(java.util.Base64.getMimeDecoder().decode(CERT)));
        byte[] capsule = new byte[32];
        assertThat(HexFormat.of().formatHex(ReleaseContext.of("t", capsule, cert).agentCertificateSha256()))
                .as("openssl x509 -noout -fingerprint -sha256")
                .isEqualTo("ef4b6540762ab4653bd60c58cbde219511d213af4b8c3e23f6175eda4a657727");
    }

    /** A self-signed P-256 certificate (openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256). */
    private static final String CERT = """
            MIIBdjCCARugAwIBAgIUWob6LcLEU/XmvUXvALOvw+9a6+QwCgYIKoZIzj0EAwIw
            EDEOMAwGA1UEAwwFYWdlbnQwHhcNMjYxMjA3MDMyNDMzWhcNMzYxMjA0MDMyNDMz
            WjAQMQ4wDAYDVQQDDAVhZ2VudDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOqG
            pNj6I3T08aozgYGTCLF9bPwlKCSwB9qZvv2QwJHLBYVA9umM85KvTscK34BCpof3
            V1cTBqOkwLp7GrO52EqjUzBRMB0GA1UdDgQWBBQx9C3VglDfZa7M2Q4gmBG0HrIX
            IzAfBgNVHSMEGDAWgBQx9C3VglDfZa7M2Q4gmBG0HrIXIzAPBgNVHRMBAf8EBTAD
            AQH/MAoGCCqGSM49BAMCA0kAMEYCIQDLjfetdK39OwnDfhWILC3DfOq13/kN7DzY
            1P7zuap3dAIhALKQl1zpvtM7EuMmkITRqmKCS0Vic9jYketfLivkCWoZ
            """;
}
