package org.leo.consensus.fleet;

import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.leo.protocol.TlsKeyManagers;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.FetchCapsuleRequest;
import org.leo.protocol.consensus.v1.FleetGrpc;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.leo.protocol.consensus.v1.TaskClaimResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * One Pi's channel to one peer of the static peer list: mutual TLS under this Pi's member
 * certificate, accepting only the server whose key the list names ({@link FleetTrust#server}).
 * Answers are checked against {@link FleetLimits} before they are returned; an answer over a cap is
 * an {@link IllegalStateException} with the sentence. Every call has a deadline.
 */
public final class FleetClient implements AutoCloseable {
    private final PeerList.Peer peer;
    private final ManagedChannel channel;
    private final FleetGrpc.FleetBlockingStub stub;

    public FleetClient(PeerList.Peer peer, MemberCertificate.Identity identity, Refusals refusals) {
        this.peer = peer;
        TlsChannelCredentials.Builder tls;
        try {
            tls = TlsChannelCredentials.newBuilder().keyManager(TlsKeyManagers.of(identity.key(), identity.certificate()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the member's TLS key: " + e.getMessage(), e);
        }
        this.channel = NettyChannelBuilder.forAddress(peer.host(), peer.port(), tls.trustManager(FleetTrust.server(peer.member(), refusals)).build())
                .maxInboundMessageSize(FleetLimits.MAX_ANSWER_BYTES).build();
        this.stub = FleetGrpc.newBlockingStub(channel);
    }

    public PeerList.Peer peer() {
        return peer;
    }

    private FleetGrpc.FleetBlockingStub within(Duration deadline) {
        return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public JoinResponse join(JoinRequest r, Duration deadline) {
        return ask(deadline, s -> s.join(r), FleetLimits::problem);
    }

    public ChallengeResponse challenge(ChallengeRequest r, Duration deadline) {
        return ask(deadline, s -> s.challenge(r), FleetLimits::problem);
    }

    public VerdictResponse verdict(VerdictRequest r, Duration deadline) {
        return ask(deadline, s -> s.verdict(r), FleetLimits::problem);
    }

    public TaskRoundNoticeResponse taskRoundOpened(TaskRoundNotice r, Duration deadline) {
        return ask(deadline, s -> s.taskRoundOpened(r), FleetLimits::problem);
    }

    public TaskClaimResponse claimTask(TaskClaimRequest r, Duration deadline) {
        return ask(deadline, s -> s.claimTask(r), TaskLimits::problem);
    }

    public KeyReleaseResponse releaseKey(KeyReleaseRequest r, Duration deadline) {
        return ask(deadline, s -> s.releaseKey(r), TaskLimits::problem);
    }

    /** The chunks of a capsule, as they come (the caller checks each, and the whole: {@link PeerCapsuleStore}). */
    public Iterator<CapsuleChunk> fetchCapsule(FetchCapsuleRequest r,
                                                                                      Duration deadline) {
        return within(deadline).fetchCapsule(r);
    }

    public Iterator<CapsuleChunk> fetchResult(org.leo.protocol.consensus.v1.FetchResultRequest r, Duration deadline) {
        return within(deadline).fetchResult(r);
    }

    public Iterator<CapsuleChunk> fetchImage(org.leo.protocol.consensus.v1.FetchImageRequest r, Duration deadline) {
        return within(deadline).fetchImage(r);
    }

    /**
     * One unary rpc within {@code deadline}, its answer checked by {@code problem} (the caps of {@link FleetLimits} or
     * {@link TaskLimits}): an answer over a cap is an {@link IllegalStateException} with the sentence.
     */
    private <A> A ask(Duration deadline, Function<FleetGrpc.FleetBlockingStub, A> rpc, Function<A, Optional<String>> problem) {
        A answer = rpc.apply(within(deadline));
        Optional<String> over = problem.apply(answer);
        if (over.isPresent()) {
            throw new IllegalStateException("the answer of member " + peer.memberHex() + " is over a cap: " + over.get());
        }
        return answer;
    }

    /** The underlying channel, for tests that send what no honest member would. */
    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdown();
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
            channel.shutdownNow();
        }
    }
}
