package org.leo.attest.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.leo.attest.ca.ApplianceCa;
import org.leo.attest.ca.ClientTrust;
import org.leo.attest.ca.RevocationList;
import org.leo.attest.enroll.Enroller;
import org.leo.protocol.TlsKeyManagers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation server's two TLS ports, over one {@link AttestationEngine} and one
 * {@link Enroller}: the enrollment port (client certificates self-signed, checked against the CSR)
 * and the attestation port (client certificates from the appliance CA only). Every refused TLS
 * client is logged with the reason and counted ({@code attest.tls.refused}).
 */
public final class AttestationServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestationServer.class);

    /** Refusals kept for the dashboard (and tests) at most. */
    static final int RECENT_REFUSALS = 100;

    /** One refused TLS client or call: when, on which port, who, why. */
    public record Refusal(java.time.Instant at, String port, String peer, String why) { }

    private Server enrollment;
    private Server attestation;
    /** The event loops of the device-bound transport (null: grpc-netty's shared default loops). */
    private DeviceBoundTransport loops;
    private final java.util.Deque<Refusal> refusals = new java.util.ArrayDeque<>();

    private AttestationServer() {
    }

    /** The latest refusals, oldest first. */
    public synchronized java.util.List<Refusal> recentRefusals() {
        return java.util.List.copyOf(refusals);
    }

    private void refused(MeterRegistry registry, String port, String peer, String why) {
        registry.counter("attest.tls.refused", "port", port).increment();
        LOG.warn("TLS: {} port refused client {}: {}", port, peer, why);
        synchronized (this) {
            refusals.addLast(new Refusal(java.time.Instant.now(), port, peer, why));
            while (refusals.size() > RECENT_REFUSALS) {
                refusals.removeFirst();
            }
        }
    }

    /**
     * Starts both ports. {@code hosts} are the names/addresses agents dial (the server certificate's
     * SANs); ports may be 0 (ephemeral, tests).
     */
    public static AttestationServer start(ApplianceCa ca, RevocationList revocations, Enroller enroller, AttestationEngine engine,
                                          InetSocketAddress enrollAddress, InetSocketAddress attestAddress, List<String> hosts,
                                          Clock clock, MeterRegistry registry) throws IOException, GeneralSecurityException {
        return start(ca, revocations, enroller, null, engine, enrollAddress, attestAddress, java.util.Optional.empty(), hosts,
                clock, registry);
    }

    /**
     * With {@code measured} (may be null: no measured enrollment) serving BeginEnroll/CompleteEnroll,
     * and both listening sockets bound to {@code device} when one is given (SO_BINDTODEVICE, the HPC
     * interface: a machine on another link that routes the listening address through the Pi then
     * reaches neither port; needs the native epoll transport and CAP_NET_RAW).
     */
    public static AttestationServer start(ApplianceCa ca, RevocationList revocations, Enroller enroller,
                                          org.leo.attest.enroll.TpmEnrollment measured, AttestationEngine engine,
                                          InetSocketAddress enrollAddress, InetSocketAddress attestAddress,
                                          java.util.Optional<String> device, List<String> hosts,
                                          Clock clock, MeterRegistry registry) throws IOException, GeneralSecurityException {
        KeyPair kp = ApplianceCa.newKeyPair();
        X509Certificate cert = ca.issueServer(kp.getPublic(), hosts, Duration.ofDays(365));
        KeyManager km = TlsKeyManagers.of(kp.getPrivate(), cert, ca.certificate());
        AttestationServer s = new AttestationServer();
        ClientTrust enrollTrust = ClientTrust.selfSigned(clock, (peer, why) -> s.refused(registry, "enrollment", peer, why));
        ClientTrust attestTrust = ClientTrust.caIssued(ca.certificate(), revocations, clock,
                (peer, why) -> s.refused(registry, "attestation", peer, why));
        if (device.isPresent()) {
            s.loops = DeviceBoundTransport.open(device.get());
        }
        Server e = s.transport(NettyServerBuilder.forAddress(enrollAddress, credentials(km, enrollTrust)))
                .addService(ServerInterceptors.intercept(new EnrollmentService(enroller, measured),
                        new PeerContext((peer, why) -> s.refused(registry, "enrollment", peer, why))))
                // a CompleteEnroll carries the TPM event log (at most TpmEnrollment.MAX_EVENT_LOG)
                .maxInboundMessageSize((1 << 20) + 64 * 1024)
                .build();
        Server a = s.transport(NettyServerBuilder.forAddress(attestAddress, credentials(km, attestTrust)))
                .addService(ServerInterceptors.intercept(new AttestationService(engine, enroller),
                        new PeerContext((peer, why) -> s.refused(registry, "attestation", peer, why))))
                .maxInboundMessageSize(Limits.MAX_MESSAGE_BYTES)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build();
        try {
            e.start();
            try {
                a.start();
            } catch (IOException ex) {
                e.shutdownNow();
                throw ex;
            }
        } catch (IOException ex) {
            if (s.loops != null) {
                s.loops.close();
            }
            throw ex;
        }
        LOG.info("attestation server: enrollment on port {}, attestation on port {}{}, CA sha256 {}", e.getPort(), a.getPort(),
                device.map(d -> " (dev " + d + ")").orElse(""), ca.fingerprint());
        s.enrollment = e;
        s.attestation = a;
        return s;
    }

    /** The builder on the device-bound epoll transport when there is one, else grpc-netty's default. */
    private NettyServerBuilder transport(NettyServerBuilder b) {
        return loops == null ? b : loops.configure(b);
    }

    /** OPTIONAL, not REQUIRE: a client without a certificate then hears why from {@link PeerContext}. */
    private static io.grpc.ServerCredentials credentials(KeyManager km, ClientTrust trust) {
        return TlsServerCredentials.newBuilder().keyManager(km).trustManager(trust)
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
    }

    public int enrollmentPort() {
        return enrollment.getPort();
    }

    public int attestationPort() {
        return attestation.getPort();
    }

    /**
     * Stops both servers. Enrollment calls are short: they get up to 5 s to finish. Attestation
     * streams last as long as their HPC's boot and never end by themselves, so they are cancelled
     * at once (each agent sees UNAVAILABLE and reconnects to the next server). Returns when the
     * cancellations have run, so that nothing reaches the engine after this.
     */
    @Override
    public void close() throws InterruptedException {
        enrollment.shutdown();
        attestation.shutdownNow();
        if (!enrollment.awaitTermination(5, TimeUnit.SECONDS)) {
            enrollment.shutdownNow();
            enrollment.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (!attestation.awaitTermination(5, TimeUnit.SECONDS)) {
            LOG.warn("attestation server: streams still closing after 5 s");
        }
        if (loops != null) {
            loops.close();
        }
    }
}
