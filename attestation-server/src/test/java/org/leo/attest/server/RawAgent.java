package org.leo.attest.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.leo.agent.PinnedServerTrust;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.TlsKeyManagers;
import org.leo.protocol.attest.v1.AgentMessage;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.Hello;
import org.leo.protocol.attest.v1.ServerMessage;

/** A hand-driven attestation stream for the hostile-client tests: any key, any certificate, any evidence. */
final class RawAgent implements AutoCloseable {
    final ManagedChannel channel;
    final BlockingQueue<Challenge> challenges = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();
    private final StreamObserver<AgentMessage> up;

    RawAgent(int port, String caSha256, PrivateKey key, X509Certificate... chain) throws Exception {
        TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder().trustManager(new PinnedServerTrust(caSha256));
        if (key != null) {
            creds.keyManager(TlsKeyManagers.of(key, chain));
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port, creds.build()).build();
        up = AttestationGrpc.newStub(channel).attest(new StreamObserver<>() {
            @Override
            public void onNext(ServerMessage m) {
                challenges.add(m.getChallenge());
            }

            @Override
            public void onError(Throwable t) {
                closed.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                closed.complete(Status.OK);
            }
        });
        send(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentVersion("raw")).build());
    }

    synchronized void send(AgentMessage m) {
        up.onNext(m);
    }

    void send(Evidence e) {
        send(AgentMessage.newBuilder().setEvidence(e).build());
    }

    Challenge nextChallenge() throws InterruptedException {
        Challenge c = challenges.poll(20, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no challenge within 20 s; stream " + (closed.isDone() ? "closed: " + closed.join() : "open"));
        }
        return c;
    }

    Status awaitClose() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }

    static Evidence signed(EvidenceBody body, PrivateKey key) throws Exception {
        byte[] b = body.toByteArray();
        return Evidence.newBuilder().setBody(ByteString.copyFrom(b)).setSignature(ByteString.copyFrom(EvidenceSignature.sign(key, b))).build();
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
