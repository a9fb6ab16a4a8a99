package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.AgentConfig;
import org.leo.agent.AgentIdentity;
import org.leo.agent.AgentState;
import org.leo.agent.MeasuredEnrollment;
import org.leo.attest.appraise.Policy;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.enroll.TpmEnrollment;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.measured.UkiExpectation;
import org.leo.protocol.attest.v1.BeginEnrollRequest;
import org.leo.protocol.attest.v1.BootFacts;
import org.leo.protocol.attest.v1.EnrollChallenge;
import org.leo.protocol.attest.v1.EnrollmentGrpc;
import org.leo.protocol.tpm.EkCertificateVerifier;
import org.leo.protocol.tpm.EkType;
import org.leo.protocol.tpm.LocalCa;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.eventlog.EventLogParser;
import org.leo.protocol.tpm.eventlog.EventLogWriter;
import org.leo.protocol.tpm.eventlog.EventType;
import org.leo.protocol.tpm.eventlog.LogEvent;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;

/**
 * Measured enrollment end to end with a real TPM: swtpm manufactured with EK certificates by a
 * local "manufacturer" CA, its PCRs extended by a stand-in firmware exactly as the TCG event log the
 * agent sends says (what OVMF and systemd-stub did in the probe: docs/measured-boot-probe.md), the
 * real agent, the real server over TLS. Then the attacks of the issue, each refused with its
 * sentence: an unpinned TPM, an EK from another manufacturer, an AK that is not on the EK's TPM
 * (credential activation fails), an event log that does not replay to the quote, another image
 * booted after the real one was fetched, another command line. (The same boot in a VM, with OVMF
 * measuring: next step; here the firmware is this test.)
 */
@Tag("system")
class MeasuredEnrollmentTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final HexFormat HEX = HexFormat.of();
    static final byte[] UKI = sha256("leo-hpc.efi");
    static final byte[] KERNEL = sha256("vmlinuz inside");
    static final byte[] INITRD = sha256("initrd.img");

    @TempDir
    static Path cas;
    static LocalCa manufacturer;
    static LocalCa otherManufacturer;

    @TempDir
    Path tmp;
    TestAppliance appliance;
    SwtpmProcess tpm;

    @BeforeAll
    static void manufacturers() throws Exception {
        assumeTrue(LocalCa.installed(), "swtpm, swtpm_setup and swtpm_localca are needed (apt-get install swtpm swtpm-tools)");
        manufacturer = LocalCa.create(Files.createDirectories(cas.resolve("a")));
        otherManufacturer = LocalCa.create(Files.createDirectories(cas.resolve("b")));
    }

    @AfterEach
    void stop() throws Exception {
        if (appliance != null) {
            appliance.close();
        }
        if (tpm != null) {
            tpm.close();
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String cmdline(String nonce) {
        return "leo-hpc.efi leo.nonce=" + nonce + " leo.server=127.0.0.1 console=ttyS0";
    }

    /** The firmware's log of a UKI boot: iPXE check-loads and runs {@code uki}, systemd-stub measures its sections and the command line, then starts the kernel. */
    static byte[] bootLog(byte[] uki, byte[] initrd, String cmdline) {
        byte[] cmd = EventLogWriter.utf16(cmdline);
        return EventLogWriter.sha256Only()
                .event(4, EventType.EV_EFI_ACTION, "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII))
                .event(4, EventType.EV_SEPARATOR, new byte[4])
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, UKI, new byte[40]) // iPXE's check-load of the real UKI
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, uki, new byte[40])
                .event(11, EventType.EV_IPL, ".linux\0".getBytes(StandardCharsets.US_ASCII), EventLogWriter.utf16(".linux"))
                .eventWithSha256(11, EventType.EV_IPL, sha256("kernel bytes"), EventLogWriter.utf16(".linux"))
                .event(11, EventType.EV_IPL, ".initrd\0".getBytes(StandardCharsets.US_ASCII), EventLogWriter.utf16(".initrd"))
                .eventWithSha256(11, EventType.EV_IPL, initrd, EventLogWriter.utf16(".initrd"))
                .event(12, EventType.EV_IPL, cmd, cmd)
                .eventWithSha256(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, KERNEL, new byte[40])
                .eventWithSha256(9, EventType.EV_EVENT_TAG, initrd,
                        EventLogWriter.taggedEvent(org.leo.protocol.tpm.eventlog.TaggedEvent.LINUX_INITRD, "Linux initrd\0".getBytes(StandardCharsets.US_ASCII)))
                .build();
    }

    /** Extends the TPM's PCRs with the log's digests, as the firmware did while it wrote the log. */
    static void firmware(SwtpmProcess swtpm, byte[] log) throws Exception {
        try (Tpm t = Tpm.open(swtpm.endpoint())) {
            for (LogEvent e : EventLogParser.parse(log).events()) {
                if (!e.type().equals(EventType.EV_NO_ACTION) && e.sha256().isPresent()) {
                    t.pcrExtend(e.pcr(), e.sha256().get());
                }
            }
        }
    }

    /** What the Pi expects: the image's UKI as the genuine log measures it. */
    static UkiExpectation expectation() throws Exception {
        byte[] genuine = bootLog(UKI, INITRD, "x");
        String pcr11 = EventLogParser.parse(genuine).replay().hex(11);
        return new UkiExpectation(HEX.formatHex(UKI), HEX.formatHex(KERNEL), HEX.formatHex(INITRD), pcr11, Set.of());
    }

    void start(LocalCa by) throws Exception {
        tpm = SwtpmProcess.startManufactured(by::manufacture);
        Path roots = manufacturer.rootsDirectory();
        Files.copy(manufacturer.intermediateCertificate(), roots.resolve("intermediate.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        EkCertificateVerifier verifier = EkCertificateVerifier.fromDirectory(roots);
        UkiExpectation uki = expectation();
        BootExpectation expected = new BootExpectation() {
            @Override
            public Optional<UkiExpectation> uki() {
                return Optional.of(uki);
            }

            @Override
            public Optional<String> commandLine(String nonce) {
                return Optional.of(cmdline(nonce));
            }
        };
        Policy policy = Policy.of(Map.of("tpm.required", "true", "challenge.mean-seconds", "30", "challenge.min-seconds", "20",
                "challenge.max-seconds", "60", "challenge.deadline-seconds", "30", "stream.grace-seconds", "30"));
        appliance = new TestAppliance(tmp, policy, Duration.ofHours(1), null,
                (enroller, store) -> new TpmEnrollment(enroller, store, verifier, expected, Clock.systemUTC()));
    }

    /** What the operator does with 'leo attest hpc enroll' after checking the EK out of band. */
    void pin(SwtpmProcess which, SwtpmProcess akFrom) throws Exception {
        String ek;
        String ak;
        try (Tpm t = Tpm.open(which.endpoint())) {
            ek = Sha256.hex(t.endorsementKey(EkType.RSA_2048).publicKey().getEncoded());
        }
        try (Tpm t = Tpm.open(akFrom.endpoint())) {
            ak = HEX.formatHex(t.attestationKey().name());
        }
        appliance.store.pinTpm(new EnrollmentStore.TpmPin(MAC.toString(), ek, ak, java.time.Instant.now(), "test"));
    }

    /** A hand-driven enrollment client: one TLS key for both steps. */
    final class Client implements AutoCloseable {
        final AgentIdentity id = AgentIdentity.generate(MAC.toString());
        final ManagedChannel ch;
        final EnrollmentGrpc.EnrollmentBlockingStub stub;

        Client() throws Exception {
            ch = appliance.enrollmentChannel(id);
            stub = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        EnrollChallenge begin(MeasuredEnrollment m, String nonce) throws Exception {
            return stub.beginEnroll(BeginEnrollRequest.newBuilder().setCsrDer(ByteString.copyFrom(id.csr(MAC.toString())))
                    .setBootFacts(BootFacts.newBuilder().setMac(MAC.toString()).setKernelCmdline(cmdline(nonce))).setTpm(m.identity()).build());
        }

        @Override
        public void close() {
            ch.shutdownNow();
        }
    }

    Path logFile(byte[] log) throws Exception {
        return Files.write(tmp.resolve("binary_bios_measurements"), log);
    }

    static Status statusOf(Throwable t) {
        return ((StatusRuntimeException) t).getStatus();
    }

    @Test
    void theMeasuredImageEnrollsWithThePinnedTpmAndIsAttested() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        byte[] log = bootLog(UKI, INITRD, cmdline(nonce));
        firmware(tpm, log);
        MeasuredEnrollment measured = new MeasuredEnrollment(tpm.endpoint(), logFile(log));

        // Not pinned yet: refused, and the TPM it showed is kept for the operator.
        try (Client c = new Client()) {
            assertThatThrownBy(() -> c.begin(measured, nonce)).satisfies(t -> {
                assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(statusOf(t).getDescription()).startsWith("no TPM is pinned for HPC " + MAC + "; it shows EK sha256 ")
                        .contains("(certificate by CN=swtpm-localca)").contains("pin it with 'leo attest hpc enroll --mac " + MAC + " --ek-sha256 ");
            });
        }
        EnrollmentStore.TpmPin seen = appliance.store.seenTpm(MAC.toString()).orElseThrow();
        appliance.store.pinTpm(seen);

        List<AgentState> states = new CopyOnWriteArrayList<>();
        Agent agent = new Agent(new AgentConfig("127.0.0.1", appliance.server.enrollmentPort(), appliance.server.attestationPort(),
                appliance.ca.fingerprint(), MAC.toString(), cmdline(nonce), Duration.ofMillis(500)), new SimulatedHost(cmdline(nonce)), Map.of())
                .measuredBy(measured);
        agent.onState(states::add);
        Thread t = new Thread(agent, "agent");
        t.start();
        try {
            appliance.awaitVerdict(v -> appliance.engine.status(MAC.toString()).map(HpcStatus::baselined).orElse(false), 60);
        } finally {
            agent.close();
            t.join(10_000);
        }
        assertThat(states).anyMatch(s -> s instanceof AgentState.Attesting);
        assertThat(appliance.log.forHpc(MAC.toString(), 100).stream().map(e -> e.entry().message()))
                .anyMatch(m -> m.contains("enrolled: measured boot of UKI " + HEX.formatHex(UKI).substring(0, 16) + ".. with boot nonce"));
    }

    /** 'leo attest hpc enroll --ek-cert': the EK pinned before the HPC ever booted; its AK is pinned by the first enrollment. */
    @Test
    void anEkPinnedFromItsCertificateGetsItsAkPinnedByTheFirstMeasuredEnrollment() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        byte[] log = bootLog(UKI, INITRD, cmdline(nonce));
        firmware(tpm, log);
        String ek;
        String ak;
        try (Tpm t = Tpm.open(tpm.endpoint())) {
            ek = Sha256.hex(t.endorsementKey(EkType.RSA_2048).publicKey().getEncoded());
            ak = HEX.formatHex(t.attestationKey().name());
        }
        appliance.store.pinTpm(new EnrollmentStore.TpmPin(MAC.toString(), ek, "", java.time.Instant.now(), "test --ek-cert"));
        MeasuredEnrollment m = new MeasuredEnrollment(tpm.endpoint(), logFile(log));
        try (Client c = new Client()) {
            EnrollChallenge ch = c.begin(m, nonce);
            assertThat(c.stub.completeEnroll(m.answer(ch)).getHpcId()).isEqualTo(MAC.toString());
        }
        EnrollmentStore.TpmPin pinned = appliance.store.pinnedTpm(MAC.toString()).orElseThrow();
        assertThat(pinned.akName()).isEqualTo(ak);
        assertThat(pinned.by()).isEqualTo("test --ek-cert; AK pinned at its first measured enrollment");
    }

    @Test
    void anEkCertifiedByAnotherManufacturerIsRefused() throws Exception {
        start(otherManufacturer);
        String nonce = appliance.boot(MAC);
        try (Client c = new Client()) {
            assertThatThrownBy(() -> c.begin(new MeasuredEnrollment(tpm.endpoint(), logFile(new byte[0])), nonce)).satisfies(t -> {
                assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(statusOf(t).getDescription()).startsWith("EK certificate issued by CN=swtpm-localca is not signed by any of the 2 roots in ");
            });
        }
    }

    /**
     * The HPC shows its certified EK with an AK that is not on that TPM (another TPM's, or software):
     * even pinned so, the credential made for that AK under that EK opens on neither TPM, and what
     * the HPC sends back instead is refused.
     */
    @Test
    void anAkThatIsNotOnTheEksTpmCannotActivateTheCredential() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        try (SwtpmProcess other = SwtpmProcess.start(); Client c = new Client()) {
            pin(tpm, other);
            MeasuredEnrollment onA = new MeasuredEnrollment(tpm.endpoint(), logFile(new byte[0]));
            var identity = onA.identity().toBuilder();
            try (Tpm b = Tpm.open(other.endpoint())) {
                identity.setAkPublicArea(ByteString.copyFrom(b.attestationKey().publicArea()));
            }
            EnrollChallenge challenge = c.stub.beginEnroll(BeginEnrollRequest.newBuilder().setCsrDer(ByteString.copyFrom(c.id.csr(MAC.toString())))
                    .setBootFacts(BootFacts.newBuilder().setMac(MAC.toString()).setKernelCmdline(cmdline(nonce))).setTpm(identity).build());
            try (Tpm a = Tpm.open(tpm.endpoint())) {
                assertThatThrownBy(() -> a.activateCredential(EkType.RSA_2048, challenge.getCredentialBlob().toByteArray(),
                        challenge.getEncryptedSecret().toByteArray())).isInstanceOf(TpmException.class).hasMessageContaining("TPM_RC_INTEGRITY");
            }
            assertThatThrownBy(() -> c.stub.completeEnroll(org.leo.protocol.attest.v1.CompleteEnrollRequest.newBuilder()
                    .setActivatedCredential(ByteString.copyFrom(new byte[32])).build())).satisfies(t -> {
                        assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(statusOf(t).getDescription()).startsWith("the credential came back wrong: the attestation key ")
                                .endsWith(".. is not on the TPM of the pinned EK");
                    });
        }
    }

    @Test
    void anEventLogThatDoesNotReplayToTheQuoteIsRefused() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        firmware(tpm, bootLog(UKI, INITRD, cmdline(nonce)));
        pin(tpm, tpm);
        // The HPC sends another boot's log (one with another initrd) than the one its TPM measured.
        MeasuredEnrollment m = new MeasuredEnrollment(tpm.endpoint(), logFile(bootLog(UKI, sha256("another initrd"), cmdline(nonce))));
        try (Client c = new Client()) {
            EnrollChallenge ch = c.begin(m, nonce);
            assertThatThrownBy(() -> c.stub.completeEnroll(m.answer(ch))).satisfies(t -> {
                assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(statusOf(t).getDescription()).startsWith("measured boot: PCR 9: the event log replays to ")
                        .contains("(the log is not the one of this boot)");
            });
        }
    }

    /** iPXE fetched (and check-loaded) the real UKI, then chained another: the log is true, and it says so. */
    @Test
    void anotherImageBootedAfterTheRealOneWasFetchedIsRefused() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        byte[] evil = bootLog(sha256("another UKI, with another initramfs"), sha256("rogue initramfs"), cmdline(nonce));
        firmware(tpm, evil);
        pin(tpm, tpm);
        MeasuredEnrollment m = new MeasuredEnrollment(tpm.endpoint(), logFile(evil));
        try (Client c = new Client()) {
            EnrollChallenge ch = c.begin(m, nonce);
            assertThatThrownBy(() -> c.stub.completeEnroll(m.answer(ch))).satisfies(t -> {
                assertThat(statusOf(t).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                assertThat(statusOf(t).getDescription()).startsWith("measured boot: PCR 4 event 4 (EV_EFI_BOOT_SERVICES_APPLICATION): an EFI application"
                        + " with Authenticode digest ").contains("PCR 11 is ").contains("PCR 9 event 11 (Linux initrd): the kernel loaded an initrd");
            });
        }
        assertThat(appliance.engine.status(MAC.toString())).isEmpty();
    }

    @Test
    void theRealImageWithAnotherCommandLineIsRefused() throws Exception {
        start(manufacturer);
        String nonce = appliance.boot(MAC);
        byte[] log = bootLog(UKI, INITRD, cmdline(nonce) + " init=/bin/sh");
        firmware(tpm, log);
        pin(tpm, tpm);
        MeasuredEnrollment m = new MeasuredEnrollment(tpm.endpoint(), logFile(log));
        try (Client c = new Client()) {
            EnrollChallenge ch = c.begin(m, nonce);
            assertThatThrownBy(() -> c.stub.completeEnroll(m.answer(ch))).satisfies(t ->
                    assertThat(statusOf(t).getDescription()).isEqualTo("measured boot: PCR 12 event 9: the command line measured is '"
                            + cmdline(nonce) + " init=/bin/sh', this boot's is '" + cmdline(nonce) + "'"));
        }
    }
}
