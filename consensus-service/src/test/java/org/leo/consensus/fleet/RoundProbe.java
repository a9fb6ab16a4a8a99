package org.leo.consensus.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.leo.agent.EvidenceSource;
import org.leo.attest.server.AttestationEngine;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * Where a relayed challenge's time goes at the HPC and its Pi, seen from outside their code: a
 * wrapper around the agent's evidence source (collection time, per nonce), one around the HPC's Pi's
 * relay port (when a challenge was admitted and when its answer, with the Pi's quote, was ready) and
 * the attestation engine's answer listener (when the Pi had the evidence appraised). Times are
 * {@link System#nanoTime()}.
 */
final class RoundProbe {
    /**
     * One relayed challenge: admitted by the HPC's Pi, appraised (the agent's evidence in and judged), answered (the
     * log entry and the Pi's TPM quote added); the agent's collection time for it. A failed relay has only its admission.
     */
    record Relay(long admitted, long appraised, long answered, long collect, boolean failed) {
        /** From the appraisal to the answer: the relay's log entry and the Pi's quote. */
        long quoting() {
            return answered - appraised;
        }
    }

    private record Started(String nonce, long admitted, long ended, RelayAnswer answer) { }

    /** A relayed answer and the verifier nonce it answers (to time a verifier's check of it alone). */
    record Answered(byte[] nonce, RelayAnswer answer) { }

    private final Map<String, Long> collect = new ConcurrentHashMap<>();
    private final Map<Long, Long> appraised = new ConcurrentHashMap<>();
    private final Queue<Started> relays = new ConcurrentLinkedQueue<>();
    private volatile Answered last;

    /** Listens to the engine of the HPC's Pi (it exists only once the lab does: the wrappers come first). */
    void watch(AttestationEngine engine) {
        engine.onAnswer((verdict, took) -> appraised.put(verdict.challengeId(), System.nanoTime()));
    }

    /** The agent's evidence source, timed per check and summed per challenge nonce. */
    EvidenceSource evidence(EvidenceSource source) {
        return (check, nonce) -> {
            long t = System.nanoTime();
            try {
                return source.answer(check, nonce);
            } finally {
                collect.merge(HexFormat.of().formatHex(nonce), System.nanoTime() - t, Long::sum);
            }
        };
    }

    /** The HPC's Pi's relay port, timed. */
    RelayPort relay(RelayPort port) {
        return new RelayPort() {
            @Override
            public boolean serves(MacAddress hpc) {
                return port.serves(hpc);
            }

            @Override
            public CompletableFuture<RelayAnswer> relay(MacAddress hpc, byte[] nonce) {
                long t = System.nanoTime();
                return port.relay(hpc, nonce).whenComplete((a, e) -> {
                    relays.add(new Started(HexFormat.of().formatHex(nonce), t, System.nanoTime(), a));
                    if (a != null) {
                        last = new Answered(nonce.clone(), a);
                    }
                });
            }
        };
    }

    /** The last answer relayed, if any. */
    java.util.Optional<Answered> last() {
        return java.util.Optional.ofNullable(last);
    }

    /** The relays finished since the last call, oldest admission first. */
    List<Relay> drain() {
        List<Relay> out = new ArrayList<>();
        for (Started s; (s = relays.poll()) != null; ) {
            Long c = collect.remove(s.nonce());
            Long a = s.answer() == null ? null : appraised.remove(challengeId(s.answer()));
            out.add(a == null || c == null ? new Relay(s.admitted(), s.ended(), s.ended(), 0, true)
                    : new Relay(s.admitted(), a, s.ended(), c, false));
        }
        out.sort(java.util.Comparator.comparingLong(Relay::admitted));
        return out;
    }

    private static long challengeId(RelayAnswer a) {
        try {
            return EvidenceBody.parseFrom(a.getEvidence().getBody()).getChallengeId();
        } catch (InvalidProtocolBufferException e) {
            return -1;
        }
    }
}
