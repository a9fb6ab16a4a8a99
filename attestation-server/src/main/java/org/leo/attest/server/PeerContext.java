package org.leo.attest.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts the TLS peer's certificate and address into the gRPC {@link Context} of each call. The TLS
 * layer asks for a client certificate and refuses a bad one in the handshake ({@code ClientTrust});
 * a client that shows none gets through TLS and is refused here, call by call, with
 * UNAUTHENTICATED and a log line, so that it learns why.
 */
final class PeerContext implements ServerInterceptor {
    static final Context.Key<X509Certificate> CERTIFICATE = Context.key("leo-peer-certificate");
    static final Context.Key<InetSocketAddress> ADDRESS = Context.key("leo-peer-address");

    private final java.util.function.BiConsumer<String, String> refusals;

    /** {@code refusals} hears (peer, why) for every call refused here. */
    PeerContext(java.util.function.BiConsumer<String, String> refusals) {
        this.refusals = refusals;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        X509Certificate cert = null;
        if (ssl != null) {
            try {
                Certificate[] chain = ssl.getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                    cert = x;
                }
            } catch (SSLPeerUnverifiedException e) {
                cert = null;
            }
        }
        if (cert == null || !(remote instanceof InetSocketAddress address)) {
            refusals.accept(String.valueOf(remote), "no client certificate (" + call.getMethodDescriptor().getFullMethodName() + ")");
            call.close(Status.UNAUTHENTICATED.withDescription("a verified TLS client certificate is required"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        Context ctx = Context.current().withValue(CERTIFICATE, cert).withValue(ADDRESS, address);
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
