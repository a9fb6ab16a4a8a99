package org.leo.consensus.fleet;

import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
        JoinResponse a = within(deadline).join(r);
        return checked(a, FleetLimits.problem(a));
    }

    public ChallengeResponse challenge(ChallengeRequest r, Duration deadline) {
        ChallengeResponse a = within(deadline).challenge(r);
        return checked(a, FleetLimits.problem(a));
    }

    public VerdictResponse verdict(VerdictRequest r, Duration deadline) {
        VerdictResponse a = within(deadline).verdict(r);
        return checked(a, FleetLimits.problem(a));
    }

    public TaskRoundNoticeResponse taskRoundOpened(TaskRoundNotice r, Duration deadline) {
        TaskRoundNoticeResponse a = within(deadline).taskRoundOpened(r);
        return checked(a, FleetLimits.problem(a));
    }

    public TaskClaimResponse claimTask(TaskClaimRequest r, Duration deadline) {
        var a = within(deadline).claimTask(r);
        return checked(a, TaskLimits.problem(a));
    }

    public KeyReleaseResponse releaseKey(KeyReleaseRequest r, Duration deadline) {
        var a = within(deadline).releaseKey(r);
        return checked(a, TaskLimits.problem(a));
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

    private <T> T checked(T answer, Optional<String> problem) {
        if (problem.isPresent()) {
            throw new IllegalStateException("the answer of member " + peer.memberHex() + " is over a cap: " + problem.get());
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
