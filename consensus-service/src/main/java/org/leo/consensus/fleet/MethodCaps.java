package org.leo.consensus.fleet;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.leo.protocol.consensus.v1.FleetGrpc;

/**
 * The transport limit per rpc: gRPC has one limit per server, set to the largest request (a ReleaseKey, which
 * carries an evidence body: {@link TaskLimits#MAX_RELEASE_REQUEST_BYTES}); every other rpc's request is held here to
 * {@link FleetLimits#MAX_REQUEST_BYTES} and its call closed with RESOURCE_EXHAUSTED before the service sees it, as gRPC
 * would (and counted OVERSIZED by {@link PeerKey#oversized}).
 */
final class MethodCaps implements ServerInterceptor {
    private static final String RELEASE = FleetGrpc.getReleaseKeyMethod().getFullMethodName();

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        if (call.getMethodDescriptor().getFullMethodName().equals(RELEASE)) {
            return listener;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            private boolean closed;

            @Override
            public void onMessage(Q message) {
                if (message instanceof MessageLite m && m.getSerializedSize() > FleetLimits.MAX_REQUEST_BYTES) {
                    closed = true;
                    call.close(Status.RESOURCE_EXHAUSTED.withDescription("a request of " + m.getSerializedSize() + " bytes: this rpc takes "
                            + FleetLimits.MAX_REQUEST_BYTES + " at most"), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!closed) {
                    super.onHalfClose();
                }
            }
        };
    }
}
