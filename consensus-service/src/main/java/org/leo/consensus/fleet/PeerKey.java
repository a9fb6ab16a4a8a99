package org.leo.consensus.fleet;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Puts the TLS client's member key into each call's {@link Context} ({@link #MEMBER}). The TLS layer
 * has already refused a certificate that is not a member's ({@link FleetTrust}); a client that showed
 * none gets through the handshake (client authentication is optional so that it can hear why) and is
 * refused here, call by call, with UNAUTHENTICATED and {@code NO_CERTIFICATE}. {@link #oversized}
 * counts the messages gRPC refused for their size ({@code OVERSIZED}): they never reach a service.
 */
final class PeerKey implements ServerInterceptor {
    static final Context.Key<byte[]> MEMBER = Context.key("leo-fleet-member");

    private final Refusals refusals;

    PeerKey(Refusals refusals) {
        this.refusals = refusals;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        byte[] member = null;
        if (ssl != null) {
            try {
                Certificate[] chain = ssl.getPeerCertificates();
                if (chain.length == 1 && chain[0] instanceof X509Certificate x) {
                    member = MemberCertificate.memberKey(x);
                }
            } catch (SSLPeerUnverifiedException | CertificateException e) {
                member = null;
            }
        }
        if (member == null) {
            refusals.refused(FleetRefusal.NO_CERTIFICATE, String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
                    FleetRefusal.NO_CERTIFICATE.sentence() + " (" + call.getMethodDescriptor().getFullMethodName() + ")");
            call.close(Status.UNAUTHENTICATED.withDescription("a member's TLS client certificate is required"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(MEMBER, member), call, headers, next);
    }

    /** Counts every call gRPC closed with RESOURCE_EXHAUSTED (a message over the transport limit) as OVERSIZED. */
    static ServerStreamTracer.Factory oversized(Refusals refusals) {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void streamClosed(Status status) {
                        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            refusals.refused(FleetRefusal.OVERSIZED, fullMethodName, "gRPC refused the message: " + status.getDescription());
                        }
                    }
                };
            }
        };
    }
}
