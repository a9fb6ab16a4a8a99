package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential activation end to end against swtpm TPMs manufactured by private test CAs: the HPC
 * side ({@link Tpm#endorsementKey}, {@link Tpm#activateCredential}) and the verifier side
 * ({@link EkCertificateVerifier}, {@link AkPublic}, {@link CredentialProtection}), and the attacks
 * they must stop.
 */
@Tag("system")
class CredentialActivationTest {
    @TempDir
    static Path cas;
    private static LocalCa caA;
    private static LocalCa caB;

    private final SecureRandom random = new SecureRandom();
    private SwtpmProcess tpmA;

    @BeforeAll
    static void createCas() throws Exception {
        assumeTrue(LocalCa.installed(), "swtpm, swtpm_setup and swtpm_localca are not on the PATH (apt-get install swtpm swtpm-tools)");
        caA = LocalCa.create(Files.createDirectories(cas.resolve("a")));
        caB = LocalCa.create(Files.createDirectories(cas.resolve("b")));
    }

    @BeforeEach
    void manufactureTpmA() throws Exception {
        tpmA = SwtpmProcess.startManufactured(caA::manufacture);
    }

    @AfterEach
    void stopTpms() {
        if (tpmA != null) {
            tpmA.close();
        }
    }

    @Test
    void rsaEkRoundTripRecoversTheSecret() throws Exception {
        roundTrip(EkType.RSA_2048);
    }

    @Test
    void eccP384EkRoundTripRecoversTheSecret() throws Exception {
        roundTrip(EkType.ECC_P384);
    }

    private void roundTrip(EkType type) throws Exception {
        try (Tpm tpm = Tpm.open(tpmA.endpoint())) {
            EndorsementKey ek = tpm.endorsementKey(type);
            AttestationKey ak = tpm.attestationKey();

            EkPublic ekPublic = EkPublic.parse(ek.publicArea());
            X509Certificate cert = EkCertificateVerifier.fromDirectory(caA.rootsDirectory())
                    .verify(ek.certificate(), List.of(der(caA.intermediateCertificate())), ekPublic.publicKey(), Instant.now());
            assertThat(cert.getIssuerX500Principal().getName()).isEqualTo("CN=swtpm-localca");
            AkPublic akPublic = AkPublic.parse(ak.publicArea());
            assertThat(akPublic.name()).isEqualTo(ak.name());
            assertThat(akPublic.isKey(ak.publicKey())).isTrue();
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            ProtectedCredential credential = CredentialProtection.make(ekPublic, akPublic.name(), secret);

            assertThat(tpm.activateCredential(type, credential.credentialBlob(), credential.secret())).isEqualTo(secret);
        }
    }

    static byte[] der(Path pem) throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem))).getEncoded();
    }
}
