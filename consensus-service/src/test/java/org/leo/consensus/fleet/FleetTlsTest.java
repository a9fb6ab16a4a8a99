package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.TlsKeyManagers;
import org.leo.protocol.consensus.v1.FleetGrpc;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * Mutual TLS between Pis over real gRPC on loopback: Ed25519 member certificates both ways, the
 * certificate the server saw, and each hostile connection refused with its reason counted.
 */
class FleetTlsTest {
    static final Duration T = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    EmbeddedLedger ledger;
    ConsensusNode a;
    ConsensusNode b;
    PeerList list;

    @BeforeEach
    void start() throws Exception {
        ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
        a = Lab.node(Lab.config(7), Lab.keys(1), ledger, Optional.empty());
        b = Lab.node(Lab.config(7), Lab.keys(2), ledger, Optional.empty());
        list = PeerList.of(List.of(Lab.peer(a, Lab.sha256("ak-a"), Optional.empty(), List.of()),
                Lab.peer(b, Lab.sha256("ak-b"), Optional.empty(), List.of())));
        a.usePeers(list);
        b.usePeers(list);
    }

    @AfterEach
    void stop() throws Exception {
        b.close();
        a.close();
        ledger.close();
    }

    PeerList.Peer peerA() {
        return list.member(a.keys().member()).orElseThrow();
    }

    @Test
    void aListedMemberIsServedOverMutualTlsAndTheServerSawItsEd25519Certificate() {
        // A join naming another key than the TLS client's is refused, and the refusal names the client the server saw.
        JoinResponse r = b.client(peerA()).join(JoinRequest.newBuilder().setMemberKey(ByteString.copyFrom(Lab.keys(9).member()))
                .setVrfKey(ByteString.copyFrom(new byte[32])).setVrfProof(ByteString.copyFrom(new byte[80])).build(), T);
        assertThat(r.getRefused().getReason()).isEqualTo("PEER_MISMATCH");
        assertThat(r.getRefused().getMessage()).endsWith("the TLS client is " + b.keys().memberHex());
        assertThat(a.refusals().count("PEER_MISMATCH")).isEqualTo(1);
        assertThat(b.identity().certificate().getPublicKey().getAlgorithm()).isIn("EdDSA", "Ed25519");
    }

    @Test
    void everyMessageAndItsSerializedSizeAreCountedByRpcAndDirection() {
        JoinRequest q = JoinRequest.newBuilder().setMemberKey(ByteString.copyFrom(b.keys().member())).setVrfKey(ByteString.copyFrom(new byte[32]))
                .setVrfProof(ByteString.copyFrom(new byte[80])).build();
        JoinResponse r = b.client(peerA()).join(q, T);
        var registry = a.refusals().registry();
        java.util.function.BiFunction<String, String, Double> count = (name, direction) ->
                registry.get(name).tag("rpc", "Join").tag("direction", direction).counter().count();
        assertThat(count.apply(FleetTraffic.MESSAGES, "in")).isEqualTo(1);
        assertThat(count.apply(FleetTraffic.MESSAGES, "out")).isEqualTo(1);
        assertThat(count.apply(FleetTraffic.BYTES, "in")).isEqualTo(q.getSerializedSize());
        assertThat(count.apply(FleetTraffic.BYTES, "out")).isEqualTo(r.getSerializedSize());
        assertThat(registry.get(FleetTraffic.MESSAGES).tag("rpc", "Verdict").tag("direction", "in").counter().count()).isZero();
    }

    @Test
    void aKeyNeitherAdmittedNorListedIsRefusedInTheHandshake() throws Exception {
        try (ConsensusNode c = Lab.node(Lab.config(7), Lab.keys(3), ledger, Optional.empty())) {
            c.usePeers(list);
            assertThatThrownBy(() -> c.client(peerA()).verdict(VerdictRequest.getDefaultInstance(), T))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(a.refusals().count("NOT_A_MEMBER")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aCertificateThatIsNotAnEd25519MemberCertificateIsRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name n = new X500Name("CN=leo-member-impostor");
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(n, BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), n, kp.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", a.port(), TlsChannelCredentials.newBuilder()
                .keyManager(TlsKeyManagers.of(kp.getPrivate(), cert))
                .trustManager(FleetTrust.server(a.keys().member(), new Refusals(new SimpleMeterRegistry()))).build()).build();
        try {
            assertThatThrownBy(() -> FleetGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).verdict(VerdictRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class);
            assertThat(a.refusals().count("UNKNOWN_CERTIFICATE")).isGreaterThanOrEqualTo(1);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aCallWithoutAClientCertificateIsRefusedAndHearsWhy() throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", a.port(), TlsChannelCredentials.newBuilder()
                .trustManager(FleetTrust.server(a.keys().member(), new Refusals(new SimpleMeterRegistry()))).build()).build();
        try {
            assertThatThrownBy(() -> FleetGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).verdict(VerdictRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).isEqualTo("a member's TLS client certificate is required");
                    });
            assertThat(a.refusals().count("NO_CERTIFICATE")).isEqualTo(1);
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServerWhoseKeyIsNotTheListedOneIsRefusedByTheClient() {
        // B's list says member 3 listens at A's address: A's certificate is not member 3's.
        PeerList.Peer impostor = new PeerList.Peer(Lab.keys(3).member(), "127.0.0.1", a.port(), Lab.sha256("ak"), Optional.empty(), List.of());
        assertThatThrownBy(() -> b.client(impostor).verdict(VerdictRequest.getDefaultInstance(), T)).isInstanceOf(StatusRuntimeException.class);
        assertThat(b.refusals().count("WRONG_PEER")).isGreaterThanOrEqualTo(1);
        assertThat(a.refusals().count("NOT_A_MEMBER") + a.refusals().count("UNKNOWN_CERTIFICATE")).isZero();
    }

    @Test
    void aMessageOverTheTransportLimitIsRefusedAndCountedAsOversized() {
        FleetGrpc.FleetBlockingStub raw = FleetGrpc.newBlockingStub(b.client(peerA()).channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
        VerdictRequest huge = VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(new byte[FleetLimits.MAX_REQUEST_BYTES + 1])).build();
        assertThatThrownBy(() -> raw.verdict(huge)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        assertThat(a.refusals().count("OVERSIZED")).isEqualTo(1);
    }

    @Test
    void aFieldOverItsCapIsRefusedWithTheFieldNamedAndCounted() {
        VerdictResponse r = b.client(peerA()).verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(new byte[Verdict.ENCODED_BYTES + 1])).build(), T);
        assertThat(r.getCounted()).isFalse();
        assertThat(r.getRefused().getReason()).isEqualTo("OVERSIZED");
        assertThat(r.getRefused().getMessage()).isEqualTo("verdict: verdict: 260 bytes, expected 259");
        assertThat(a.refusals().count("OVERSIZED")).isEqualTo(1);
    }
}
