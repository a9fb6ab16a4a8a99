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

    /**
     * The relay attack: an HPC presents TPM A's certified EK with the AK of TPM B (a TPM it does not
     * attest, or software). The credential for B's AK Name protected to A's EK is useless on both:
     * A has no object with that Name (TPM_RC_INTEGRITY), B cannot decrypt A's seed (libtpms:
     * TPM_RC_FAILURE). Neither TPM keeps anything loaded and both stay usable.
     */
    @Test
    void aCredentialForTheAkOfAnotherTpmCannotBeActivatedWithThisTpmsEk() throws Exception {
        try (SwtpmProcess tpmB = SwtpmProcess.start()) {
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            ProtectedCredential forOtherAk;
            try (Tpm a = Tpm.open(tpmA.endpoint()); Tpm b = Tpm.open(tpmB.endpoint())) {
                AkPublic otherAk = AkPublic.parse(b.attestationKey().publicArea());
                EkPublic ekA = EkPublic.parse(a.endorsementKey(EkType.RSA_2048).publicArea());
                forOtherAk = CredentialProtection.make(ekA, otherAk.name(), secret);

                assertThatThrownBy(() -> a.activateCredential(EkType.RSA_2048, forOtherAk.credentialBlob(), forOtherAk.secret()))
                        .isInstanceOf(TpmException.class)
                        .hasMessage("TPM2_ActivateCredential(RSA 2048 EK) failed at " + a.describe()
                                + ": the TPM refused the credential with TPM_RC_INTEGRITY: it was made for another attestation key or another TPM");
                assertThatThrownBy(() -> b.activateCredential(EkType.RSA_2048, forOtherAk.credentialBlob(), forOtherAk.secret()))
                        .isInstanceOf(TpmException.class)
                        .hasMessage("TPM2_ActivateCredential(RSA 2048 EK) failed at " + b.describe()
                                + ": the TPM refused the credential with TPM_RC_FAILURE: its secret does not decrypt with this TPM's endorsement key");

                // B activates a credential made for its own EK and AK (no certificate needed for that)
                ProtectedCredential own = CredentialProtection.make(EkPublic.parse(b.ekPublicArea(EkType.RSA_2048)), otherAk.name(), secret);
                assertThat(b.activateCredential(EkType.RSA_2048, own.credentialBlob(), own.secret())).isEqualTo(secret);
                assertThat(a.attestationKey().name()).isNotEqualTo(otherAk.name());
            }
            for (SwtpmProcess swtpm : List.of(tpmA, tpmB)) {
                Tpm2Tools tools = new Tpm2Tools(swtpm.tcti(), Files.createTempDirectory(cas, "getcap"));
                assertThat(tools.ok("tpm2_getcap", "handles-transient").trim()).isEmpty();
                assertThat(tools.ok("tpm2_getcap", "handles-loaded-session").trim()).isEmpty();
            }
        }
    }

    /** The converse: a key that could sign anything (not restricted) is refused before any credential is made. */
    @Test
    void aKeyThatIsNotARestrictedSigningKeyIsRefusedAsAttestationKey() throws Exception {
        Path work = Files.createTempDirectory(cas, "unrestricted");
        Tpm2Tools tools = new Tpm2Tools(tpmA.tcti(), work);
        tools.ok("tpm2_createprimary", "-C", "o", "-G", "ecc256:ecdsa-sha256:null", "-a",
                "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign", "-c", "key.ctx", "-o", "key.pub");
        tools.ok("tpm2_flushcontext", "-t");
        byte[] tpm2bPublic = Files.readAllBytes(work.resolve("key.pub"));
        byte[] tpmtPublic = java.util.Arrays.copyOfRange(tpm2bPublic, 2, tpm2bPublic.length);
        assertThatThrownBy(() -> AkPublic.parse(tpmtPublic)).isInstanceOf(TpmFormatException.class)
                .hasMessage("TPMT_PUBLIC is not an attestation key: objectAttributes 0x00040072 lacks restricted (an attestation key"
                        + " must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, not decrypt)");
        // the TPM's own EK is a decryption key: not an attestation key either
        try (Tpm a = Tpm.open(tpmA.endpoint())) {
            byte[] ek = a.ekPublicArea(EkType.RSA_2048);
            assertThatThrownBy(() -> AkPublic.parse(ek)).isInstanceOf(TpmFormatException.class)
                    .hasMessage("TPMT_PUBLIC is not an attestation key: objectAttributes 0x000300b2 lacks sign and has decrypt"
                            + " (an attestation key must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, not decrypt)");
        }
    }

    @Test
    void anEkCertificateFromAnotherCaIsRefused() throws Exception {
        try (SwtpmProcess tpmB = SwtpmProcess.startManufactured(caB::manufacture); Tpm b = Tpm.open(tpmB.endpoint())) {
            EndorsementKey ek = b.endorsementKey(EkType.RSA_2048);
            Path rootsA = caA.rootsDirectory();
            EkCertificateVerifier verifier = EkCertificateVerifier.fromDirectory(rootsA);
            // both test CAs have the same names: the refusal comes from the signatures, not the names
            assertThatThrownBy(() -> verifier.verify(ek.certificate(), List.of(), ek.publicKey(), Instant.now()))
                    .isInstanceOf(EkCertificateException.class)
                    .hasMessage("EK certificate issued by CN=swtpm-localca is not signed by any of the 1 roots in " + rootsA);
            assertThatThrownBy(() -> verifier.verify(ek.certificate(), List.of(der(caA.intermediateCertificate())), ek.publicKey(), Instant.now()))
                    .isInstanceOf(EkCertificateException.class)
                    .hasMessage("EK certificate issued by CN=swtpm-localca is not signed by any of the 1 roots in " + rootsA
                            + " or the 1 intermediate certificates the TPM sent");
            assertThatThrownBy(() -> verifier.verify(ek.certificate(), List.of(der(caB.intermediateCertificate())), ek.publicKey(), Instant.now()))
                    .isInstanceOf(EkCertificateException.class)
                    .hasMessage("intermediate certificate CN=swtpm-localca issued by CN=swtpm-localca-rootca is not signed by any of the 1 roots in "
                            + rootsA + " or the 1 intermediate certificates the TPM sent");

            // with its own CA's root it verifies; with the intermediate pinned in the directory no chain is needed
            EkCertificateVerifier ownRoot = EkCertificateVerifier.fromDirectory(caB.rootsDirectory());
            ownRoot.verify(ek.certificate(), List.of(der(caB.intermediateCertificate())), ek.publicKey(), Instant.now());
            Path pinned = Files.createDirectories(cas.resolve("b-pinned"));
            Files.copy(caB.intermediateCertificate(), pinned.resolve("intermediate.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            EkCertificateVerifier.fromDirectory(pinned).verify(ek.certificate(), List.of(), ek.publicKey(), Instant.now());

            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(ek.certificate()));
            Instant before = Instant.parse("2001-01-01T00:00:00Z");
            assertThatThrownBy(() -> ownRoot.verify(ek.certificate(), List.of(der(caB.intermediateCertificate())), ek.publicKey(), before))
                    .isInstanceOf(EkCertificateException.class)
                    .hasMessage("EK certificate " + EkCertificateVerifier.describe(cert) + " is not valid until "
                            + cert.getNotBefore().toInstant() + " (checked at 2001-01-01T00:00:00Z)");
        }
    }

    @Test
    void anEkCertificateForAnotherKeyIsRefusedByTheVerifierAndByTheAgent() throws Exception {
        EndorsementKey ekB;
        try (SwtpmProcess tpmB = SwtpmProcess.startManufactured(caA::manufacture); Tpm b = Tpm.open(tpmB.endpoint())) {
            ekB = b.endorsementKey(EkType.RSA_2048);
        }
        EndorsementKey ekA;
        try (Tpm a = Tpm.open(tpmA.endpoint())) {
            ekA = a.endorsementKey(EkType.RSA_2048);
        }
        X509Certificate certB = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(ekB.certificate()));
        String keyA = PublicKeys.describe(ekA.publicKey());
        String keyB = PublicKeys.describe(ekB.publicKey());
        // B's genuine certificate presented for A's EK: the chain is fine, the key is not A's
        EkCertificateVerifier verifier = EkCertificateVerifier.fromDirectory(caA.rootsDirectory());
        assertThatThrownBy(() -> verifier.verify(ekB.certificate(), List.of(der(caA.intermediateCertificate())), ekA.publicKey(), Instant.now()))
                .isInstanceOf(EkCertificateException.class)
                .hasMessage("EK certificate " + EkCertificateVerifier.describe(certB) + " is for " + keyB
                        + ", but the TPM's endorsement key is " + keyA);

        // the agent notices too: B's certificate written into A's EK certificate index (platform authorization)
        Path work = Files.createTempDirectory(cas, "nv");
        Files.write(work.resolve("other.der"), ekB.certificate());
        Tpm2Tools tools = new Tpm2Tools(tpmA.tcti(), work);
        tools.ok("tpm2_nvundefine", "-C", "p", "0x1c00002");
        tools.ok("tpm2_nvdefine", "-C", "p", "-s", Integer.toString(ekB.certificate().length), "-a",
                "ppwrite|ppread|ownerread|authread|no_da|platformcreate", "0x1c00002");
        tools.ok("tpm2_nvwrite", "-C", "p", "-i", "other.der", "0x1c00002");
        try (Tpm a = Tpm.open(tpmA.endpoint())) {
            assertThat(a.ekCertificate(EkType.RSA_2048)).isEqualTo(ekB.certificate());
            assertThatThrownBy(() -> a.endorsementKey(EkType.RSA_2048)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_CreatePrimary(RSA 2048 EK) failed at " + a.describe() + ": the RSA 2048 EK certificate in NV index"
                            + " 0x01c00002 is for " + keyB + ", but the TPM's RSA 2048 EK is " + keyA);
            // swtpm_setup stores no P-256 EK certificate
            assertThatThrownBy(() -> a.ekCertificate(EkType.ECC_P256)).isInstanceOf(TpmException.class)
                    .hasMessage("reading the ECC NIST P-256 EK certificate from NV index 0x01c0000a failed at " + a.describe()
                            + ": the TPM has no such NV index (TPM_RC_HANDLE): its manufacturer stored no certificate there");
        }
    }

    interface Thrower {
        void run() throws Exception;
    }

    static String catchMessage(Thrower t) {
        try {
            t.run();
            return "(no exception)";
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    static byte[] der(Path pem) throws Exception {
        return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem))).getEncoded();
    }
}
