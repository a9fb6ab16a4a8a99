package org.leo.consensus.fleet;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerStreamTracer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.leo.protocol.consensus.v1.FleetGrpc;

/**
 * Counts a Pi's Fleet port traffic: every message its calls receive and send, and the message's
 * serialized size (the protobuf bytes gRPC carries; HTTP/2 framing, headers and TLS records come on
 * top), in {@code consensus.fleet.messages} and {@code consensus.fleet.bytes}, tagged with the rpc
 * ({@code Join}, {@code Challenge}, {@code Verdict}, {@code ClaimTask}, {@code ReleaseKey}, {@code FetchCapsule}: every rpc of the
 * service; any other method name a client sends is
 * {@code other}, so a client cannot add meters) and the direction ({@code in}, {@code out}). The
 * counters are made once, at start: a message costs one increment of each and nothing else.
 */
final class FleetTraffic extends ServerStreamTracer.Factory {
    static final String MESSAGES = "consensus.fleet.messages";
    static final String BYTES = "consensus.fleet.bytes";
    static final String OTHER = "other";

    /** One rpc's four counters. */
    private record Counters(Counter messagesIn, Counter bytesIn, Counter messagesOut, Counter bytesOut) {
        static Counters of(MeterRegistry registry, String rpc) {
            return new Counters(registry.counter(MESSAGES, "rpc", rpc, "direction", "in"), registry.counter(BYTES, "rpc", rpc, "direction", "in"),
                    registry.counter(MESSAGES, "rpc", rpc, "direction", "out"), registry.counter(BYTES, "rpc", rpc, "direction", "out"));
        }
    }

    private final Map<String, Counters> byMethod;
    private final Counters other;

    FleetTraffic(MeterRegistry registry) {
        this.byMethod = FleetGrpc.getServiceDescriptor().getMethods().stream().map(MethodDescriptor::getFullMethodName)
                .collect(Collectors.toUnmodifiableMap(Function.identity(),
                        m -> Counters.of(registry, MethodDescriptor.extractBareMethodName(m))));
        this.other = Counters.of(registry, OTHER);
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        Counters c = byMethod.getOrDefault(fullMethodName, other);
        return new ServerStreamTracer() {
            @Override
            public void inboundMessage(int seqNo) {
                c.messagesIn().increment();
            }

            @Override
            public void inboundWireSize(long bytes) {
                c.bytesIn().increment(bytes);
            }

            @Override
            public void outboundMessage(int seqNo) {
                c.messagesOut().increment();
            }

            @Override
            public void outboundWireSize(long bytes) {
                c.bytesOut().increment(bytes);
            }
        };
    }
}
