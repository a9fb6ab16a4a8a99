package org.leo.agent;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.leo.protocol.TlsKeyManagers;
import org.leo.protocol.attest.v1.AgentMessage;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.BootFacts;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.EnrollmentGrpc;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.Hello;
import org.leo.protocol.attest.v1.RenewRequest;
import org.leo.protocol.attest.v1.ServerMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HPC agent: enrolls once with the boot facts, then keeps one attestation stream open to the
 * Pi, answering every challenge with signed evidence, re-dialing with backoff when the stream
 * breaks and renewing its certificate (with a fresh key) at two thirds of its lifetime.
 */
public final class Agent implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    public static final String VERSION = "0.1.0";
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    /** Enrollment refusals retried before giving up (the boot event log may lag the boot by a moment). */
    static final int MAX_REFUSED_ENROLLMENTS = 5;

    private final AgentConfig config;
    private final Responder responder;
    private final Map<String, String> booted;
    private volatile MeasuredEnrollment measured;
    private final List<Consumer<AgentState>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService answering = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "agent-answer");
        t.setDaemon(true);
        return t;
    });
    private volatile AgentIdentity identity;
    private volatile Instant notAfter;
    /** When the current certificate arrived: its lifetime for renewal counts from here (the CA backdates notBefore). */
    private volatile Instant issuedAt;
    private volatile boolean stopping;
    private volatile ManagedChannel attestChannel;
    private volatile Runnable cancelStream = () -> { };
    private volatile org.leo.agent.task.TaskRunner tasks;
    /** Sends on the stream open now (task reports outlive the stream their task arrived on); drops while none is. */
    private volatile Consumer<AgentMessage> upstream = m -> { };

    /**
     * Enroll with a measured boot checked by this HPC's TPM (BeginEnroll/CompleteEnroll); a server
     * that offers none (UNIMPLEMENTED) gets the plain enrollment. Call before {@link #run}.
     */
    public Agent measuredBy(MeasuredEnrollment m) {
        this.measured = m;
        return this;
    }

    /**
     * Run the tasks the Pi assigns with {@code runner} (docs/tasks.md "The task on the agent's protocol");
     * without one, every assignment is refused. Call before {@link #run}.
     */
    public Agent runsTasks(org.leo.agent.task.TaskRunner runner) {
        this.tasks = runner;
        return this;
    }

    public Agent(AgentConfig config, EvidenceSource source, Map<String, String> booted) {
        this.config = config;
        this.responder = new Responder(source);
        this.booted = Map.copyOf(booted);
    }

    public void onState(Consumer<AgentState> l) {
        listeners.add(l);
    }

    @Override
    public void run() {
        AgentState state = new AgentState.Enrolling(0);
        while (true) {
            AgentState s = state;
            listeners.forEach(l -> l.accept(s));
            if (state instanceof AgentState.Failed f) {
                LOG.error("agent stopped: {}", f.reason());
                return;
            }
            if (state instanceof AgentState.Stopped || stopping) {
                listeners.forEach(l -> l.accept(new AgentState.Stopped()));
                return;
            }
            state = step(state);
        }
    }

    private AgentState step(AgentState state) {
        if (state instanceof AgentState.Enrolling e) {
            return enroll(e.attempt());
        }
        if (state instanceof AgentState.Attesting a) {
            return attest(a.attempt());
        }
        if (state instanceof AgentState.Waiting w) {
            LOG.info("retrying in {} ms: {}", w.delay().toMillis(), w.why());
            sleep(w.delay());
            return w.next();
        }
        return state; // Failed and Stopped end the loop before they get here
    }

    private AgentState enroll(int attempt) {
        try {
            identity = AgentIdentity.generate(config.mac());
            ChannelCredentials creds = TlsChannelCredentials.newBuilder()
                    .keyManager(TlsKeyManagers.of(identity.privateKey(), identity.selfSigned()))
                    .trustManager(new PinnedServerTrust(config.caSha256())).build();
            ManagedChannel ch = channel(config.enrollPort(), creds).build();
            try {
                ByteString csr = ByteString.copyFrom(identity.csr(config.mac()));
                BootFacts facts = BootFacts.newBuilder().setKernelCmdline(config.kernelCmdline()).setMac(config.mac())
                        .putAllBooted(booted).setAgentVersion(VERSION).build();
                EnrollResponse resp = measured == null ? null : measuredEnroll(ch, csr, facts);
                if (resp == null) {
                    resp = EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .enroll(EnrollRequest.newBuilder().setCsrDer(csr).setBootFacts(facts).build());
                }
                accept(resp);
                LOG.info("enrolled as {} with {}:{}; certificate valid until {}", resp.getHpcId(), config.server(),
                        config.enrollPort(), notAfter);
                return new AgentState.Attesting(0);
            } finally {
                ch.shutdownNow();
            }
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            String why = "enrollment: " + code + ": " + e.getStatus().getDescription();
            LOG.warn(why);
            if (code == Status.Code.ALREADY_EXISTS) {
                return new AgentState.Failed(why + " (reboot to enroll again)");
            }
            boolean refused = code == Status.Code.PERMISSION_DENIED || code == Status.Code.INVALID_ARGUMENT
                    || code == Status.Code.FAILED_PRECONDITION;
            if (refused && attempt + 1 >= MAX_REFUSED_ENROLLMENTS) {
                return new AgentState.Failed(why);
            }
            return new AgentState.Waiting(new AgentState.Enrolling(attempt + 1), backoff(attempt), why);
        } catch (GeneralSecurityException | RuntimeException e) {
            return new AgentState.Waiting(new AgentState.Enrolling(attempt + 1), backoff(attempt), "enrollment: " + e);
        }
    }

    /** The measured enrollment, or null if the server offers none (then the plain one follows). */
    private EnrollResponse measuredEnroll(ManagedChannel ch, ByteString csr, BootFacts facts) throws GeneralSecurityException {
        var stub = EnrollmentGrpc.newBlockingStub(ch);
        org.leo.protocol.attest.v1.EnrollChallenge challenge;
        try {
            challenge = stub.withDeadlineAfter(60, TimeUnit.SECONDS).beginEnroll(org.leo.protocol.attest.v1.BeginEnrollRequest.newBuilder()
                    .setCsrDer(csr).setBootFacts(facts).setTpm(measured.identity()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                LOG.info("the server offers no measured enrollment: {}", e.getStatus().getDescription());
                return null;
            }
            throw e;
        } catch (org.leo.protocol.tpm.TpmException e) {
            throw new GeneralSecurityException("this HPC's TPM: " + e.getMessage(), e);
        }
        try {
            return stub.withDeadlineAfter(60, TimeUnit.SECONDS).completeEnroll(measured.answer(challenge));
        } catch (org.leo.protocol.tpm.TpmException | java.io.IOException e) {
            throw new GeneralSecurityException("this HPC's TPM: " + e.getMessage(), e);
        }
    }

    private void accept(EnrollResponse resp) throws GeneralSecurityException {
        if (resp.getCertificateChainDerCount() < 1) {
            throw new GeneralSecurityException("enrollment answer carries no certificate");
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate[] chain = new X509Certificate[resp.getCertificateChainDerCount()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(resp.getCertificateChainDer(i).toByteArray()));
        }
        identity.setIssued(chain);
        notAfter = chain[0].getNotAfter().toInstant();
        issuedAt = Instant.now();
    }

    private NettyChannelBuilder channel(int port, ChannelCredentials creds) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(config.server(), port, creds);
        if (config.localAddress() != null) {
            java.net.InetSocketAddress local = new java.net.InetSocketAddress(config.localAddress(), 0);
            b.localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                @Override
                public java.net.SocketAddress createSocketAddress(java.net.SocketAddress remote, io.grpc.Attributes attrs) {
                    return local;
                }
            });
        }
        return b;
    }

    private AgentState attest(int attempt) {
        if (notAfter != null && Instant.now().isAfter(notAfter)) {
            return new AgentState.Failed("the certificate expired at " + notAfter + " (reboot to enroll again)");
        }
        Instant opened = Instant.now();
        String why;
        try {
            why = stream();
        } catch (GeneralSecurityException | RuntimeException e) {
            why = e.toString();
        }
        if (stopping) {
            return new AgentState.Stopped();
        }
        int next = Duration.between(opened, Instant.now()).toSeconds() > 30 ? 0 : attempt + 1;
        return new AgentState.Waiting(new AgentState.Attesting(next), backoff(next), "attestation stream: " + why);
    }

    /** Runs one stream until it ends; returns why it ended. */
    private String stream() throws GeneralSecurityException {
        AgentIdentity id = identity;
        ManagedChannel ch = channel(config.attestPort(), TlsChannelCredentials.newBuilder()
                        .keyManager(TlsKeyManagers.of(id.privateKey(), id.issued()))
                        .trustManager(new PinnedServerTrust(config.caSha256())).build())
                .keepAliveTime(20, TimeUnit.SECONDS).maxInboundMessageSize(1 << 20).build();
        attestChannel = ch;
        CountDownLatch ended = new CountDownLatch(1);
        String[] reason = {"ended"};
        try {
            Object sendLock = new Object();
            StreamObserver<AgentMessage>[] up = new StreamObserver[1];
            up[0] = AttestationGrpc.newStub(ch).attest(new StreamObserver<>() {
                @Override
                public void onNext(ServerMessage m) {
                    if (m.hasChallenge()) {
                        Challenge c = m.getChallenge();
                        answering.execute(() -> {
                            try {
                                Evidence ev = responder.answer(c, id.privateKey());
                                synchronized (sendLock) {
                                    up[0].onNext(AgentMessage.newBuilder().setEvidence(ev).build());
                                }
                            } catch (GeneralSecurityException | RuntimeException e) {
                                LOG.error("challenge {} not answered: {}", c.getChallengeId(), e.toString());
                            }
                        });
                    }
                    if (m.hasTask()) {
                        task(m.getTask(), ch, id);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    reason[0] = Status.fromThrowable(t).toString();
                    ended.countDown();
                }

                @Override
                public void onCompleted() {
                    reason[0] = "closed by the server";
                    ended.countDown();
                }
            });
            synchronized (sendLock) {
                up[0].onNext(AgentMessage.newBuilder().setHello(Hello.newBuilder().setAgentVersion(VERSION)).build());
            }
            upstream = msg -> {
                synchronized (sendLock) {
                    up[0].onNext(msg);
                }
            };
            cancelStream = () -> up[0].onError(Status.CANCELLED.withDescription("agent stopping").asRuntimeException());
            LOG.info("attestation stream open to {}:{}", config.server(), config.attestPort());
            Instant renewAt = renewalTime();
            while (!ended.await(200, TimeUnit.MILLISECONDS)) {
                if (stopping) {
                    cancelStream.run();
                    return "stopped";
                }
                if (Instant.now().isAfter(renewAt)) {
                    renew(ch);
                    cancelStream.run(); // re-dial on the new certificate; the server replaces the stream
                    return "certificate renewed";
                }
            }
            return reason[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            upstream = m -> { };
            ch.shutdownNow();
        }
    }

    /** Hands an assignment to the task runner (which never blocks this stream's thread), or refuses it. */
    private void task(org.leo.protocol.attest.v1.TaskAssignment a, ManagedChannel ch, AgentIdentity id) {
        Consumer<org.leo.protocol.attest.v1.TaskReport> reports = r -> upstream.accept(AgentMessage.newBuilder().setTaskReport(r).build());
        org.leo.agent.task.TaskRunner runner = tasks;
        X509Certificate[] chain = id.issued();
        if (runner == null || chain == null) {
            reports.accept(org.leo.protocol.attest.v1.TaskReport.newBuilder().setTaskSeq(a.getTaskSeq())
                    .setStage(org.leo.protocol.attest.v1.TaskStage.TASK_STAGE_FAILED)
                    .setRefusal("this HPC runs no tasks (the agent has no task engine)").build());
            return;
        }
        runner.assign(a, new org.leo.agent.task.TaskRunner.Session(ch, id.privateKey(), chain[0], reports));
    }

    /** Two thirds into the certificate's lifetime as this agent received it. */
    private Instant renewalTime() {
        Instant from = issuedAt;
        return from.plus(Duration.between(from, notAfter).multipliedBy(2).dividedBy(3));
    }

    private void renew(ManagedChannel ch) throws GeneralSecurityException {
        AgentIdentity fresh = AgentIdentity.generate(config.mac());
        EnrollResponse resp = AttestationGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                .renew(RenewRequest.newBuilder().setCsrDer(ByteString.copyFrom(fresh.csr(config.mac()))).build());
        AgentIdentity old = identity;
        identity = fresh;
        try {
            accept(resp);
        } catch (GeneralSecurityException | RuntimeException e) {
            identity = old;
            throw e;
        }
        LOG.info("certificate renewed with a fresh key, valid until {}", notAfter);
    }

    /** 0.25 s doubling per attempt, with up to 50% jitter, at most {@link AgentConfig#maxBackoff()}. */
    private Duration backoff(int attempt) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(attempt, 10);
        long jittered = ms + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
        return Duration.ofMillis(Math.min(jittered, config.maxBackoff().toMillis()));
    }

    private void sleep(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        cancelStream.run();
        answering.shutdownNow();
    }
}
