package org.leo.consensus.fleet;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import org.leo.protocol.TlsKeyManagers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Pi's Fleet port: gRPC over Netty with mutual TLS, the Pi's self-signed Ed25519 certificate as
 * its server certificate, {@link FleetTrust#clients} deciding which clients get through the
 * handshake, {@link PeerKey} naming the member of each call, requests capped at
 * {@link FleetLimits#MAX_REQUEST_BYTES} (a ReleaseKey at {@link TaskLimits#MAX_RELEASE_REQUEST_BYTES}: {@link MethodCaps}),
 * and its messages and bytes counted ({@link FleetTraffic}).
 */
final class FleetServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetServer.class);

    private final Server server;

    private FleetServer(Server server) {
        this.server = server;
    }

    static FleetServer start(InetSocketAddress bind, MemberCertificate.Identity identity, FleetTrust trust, FleetService service,
                             Refusals refusals) throws IOException {
        TlsServerCredentials.Builder tls;
        try {
            tls = TlsServerCredentials.newBuilder().keyManager(TlsKeyManagers.of(identity.key(), identity.certificate()));
        } catch (GeneralSecurityException e) {
            throw new IOException("the member's TLS key: " + e.getMessage(), e);
        }
        // OPTIONAL: a client without a certificate hears why from PeerKey; a bad one is refused in the handshake.
        Server s = NettyServerBuilder.forAddress(bind, tls.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build())
                .addService(ServerInterceptors.intercept(service, new MethodCaps(), new PeerKey(refusals)))
                .addStreamTracerFactory(PeerKey.oversized(refusals))
                .addStreamTracerFactory(new FleetTraffic(refusals.registry()))
                .maxInboundMessageSize(TaskLimits.MAX_RELEASE_REQUEST_BYTES)
                .build()
                .start();
        LOG.info("consensus: fleet port {} ({})", s.getPort(), identity.certificate().getSubjectX500Principal().getName());
        return new FleetServer(s);
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
