package org.leo.attest.server;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import org.leo.attest.enroll.Enroller;
import org.leo.protocol.attest.v1.AgentMessage;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.RenewRequest;
import org.leo.protocol.attest.v1.ServerMessage;

/** The attestation port's service: one bidirectional stream per agent, handed to the {@link AttestationEngine}. */
final class AttestationService extends AttestationGrpc.AttestationImplBase {
    private final AttestationEngine engine;
    private final Enroller enroller;

    AttestationService(AttestationEngine engine, Enroller enroller) {
        this.engine = engine;
        this.enroller = enroller;
    }

    @Override
    public void renew(RenewRequest request, StreamObserver<EnrollResponse> response) {
        try {
            response.onNext(enroller.renew(request.getCsrDer().toByteArray(), PeerContext.CERTIFICATE.get(),
                    PeerContext.ADDRESS.get().getAddress()));
            response.onCompleted();
        } catch (StatusException e) {
            response.onError(e);
        }
    }

    @Override
    public void fetchTaskFile(org.leo.protocol.attest.v1.TaskFileRequest request, StreamObserver<org.leo.protocol.attest.v1.TaskFileChunk> out) {
        engine.tasks().fetch(PeerContext.CERTIFICATE.get(), request,
                (io.grpc.stub.ServerCallStreamObserver<org.leo.protocol.attest.v1.TaskFileChunk>) out);
    }

    @Override
    public StreamObserver<AgentMessage> attest(StreamObserver<ServerMessage> out) {
        X509Certificate cert = PeerContext.CERTIFICATE.get();
        InetSocketAddress peer = PeerContext.ADDRESS.get();
        Link link = new Link((ServerCallStreamObserver<ServerMessage>) out, peer.getAddress().getHostAddress() + ":" + peer.getPort());
        return new StreamObserver<>() {
            @Override
            public void onNext(AgentMessage m) {
                switch (m.getKindCase()) {
                    case HELLO -> {
                        if (link.markOpened(cause -> engine.closed(cert, link, cause))) {
                            engine.open(cert, link);
                        }
                    }
                    case EVIDENCE -> {
                        if (!link.opened()) {
                            link.close(Status.FAILED_PRECONDITION.withDescription("Hello must come first"));
                        } else {
                            engine.evidence(cert, link, m.getEvidence());
                        }
                    }
                    case HEARTBEAT -> { }
                    case TASK_REPORT -> {
                        if (!link.opened()) {
                            link.close(Status.FAILED_PRECONDITION.withDescription("Hello must come first"));
                        } else {
                            engine.tasks().report(cert, m.getTaskReport());
                        }
                    }
                    case KIND_NOT_SET -> link.close(Status.INVALID_ARGUMENT.withDescription("empty agent message"));
                }
            }

            @Override
            public void onError(Throwable t) {
                link.gone(t);
            }

            @Override
            public void onCompleted() {
                link.close(Status.OK);
            }
        };
    }

    /**
     * The gRPC observer behind {@link AgentLink}: sends are serialized, a closed stream swallows
     * later sends, and the engine hears of the end exactly once, whoever ended it.
     */
    static final class Link implements AgentLink {
        private final ServerCallStreamObserver<ServerMessage> out;
        private final String peer;
        private boolean closed;
        private java.util.function.Consumer<Throwable> onEnd;

        Link(ServerCallStreamObserver<ServerMessage> out, String peer) {
            this.out = out;
            this.peer = peer;
        }

        @Override
        public boolean send(Challenge c) {
            return send(ServerMessage.newBuilder().setChallenge(c).build());
        }

        @Override
        public boolean send(org.leo.protocol.attest.v1.TaskAssignment task) {
            return send(ServerMessage.newBuilder().setTask(task).build());
        }

        private synchronized boolean send(ServerMessage m) {
            if (closed || out.isCancelled()) {
                return false;
            }
            out.onNext(m);
            return true;
        }

        /** Marks the stream open (after Hello); false if it was already. */
        synchronized boolean markOpened(java.util.function.Consumer<Throwable> onEnd) {
            if (this.onEnd != null || closed) {
                return false;
            }
            this.onEnd = onEnd;
            return true;
        }

        synchronized boolean opened() {
            return onEnd != null;
        }

        @Override
        public void close(Status status) {
            java.util.function.Consumer<Throwable> end;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (!out.isCancelled()) {
                    if (status.isOk()) {
                        out.onCompleted();
                    } else {
                        out.onError(status.asRuntimeException());
                    }
                }
                end = onEnd;
            }
            if (end != null) {
                end.accept(status.isOk() ? null : status.asRuntimeException());
            }
        }

        /** The agent ended the stream or the transport broke. */
        void gone(Throwable cause) {
            java.util.function.Consumer<Throwable> end;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                end = onEnd;
            }
            if (end != null) {
                end.accept(cause);
            }
        }

        @Override
        public String peer() {
            return peer;
        }
    }
}
