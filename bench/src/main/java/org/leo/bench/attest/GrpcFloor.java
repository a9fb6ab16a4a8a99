package org.leo.bench.attest;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollmentGrpc;

/**
 * The memory floor under the agent: a JVM that only opens the agent's kind of gRPC channel
 * (grpc-netty over JDK TLS 1.3, protobuf) to the enrollment port, makes one call
 * (refused: the request is empty) and then idles with the channel open. No collectors, no
 * evidence, no signing. {@code bench/agent-cost.sh} measures it with the agent's JVM options, so
 * the agent's own share of its RSS is the difference. usage: {@code GrpcFloor HOST PORT}.
 *
 * <p>It trusts any server certificate: it measures memory, it attests nothing.
 */
public final class GrpcFloor {
    private GrpcFloor() {
    }

    public static void main(String[] args) throws Exception {
        X509TrustManager any = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        ManagedChannel ch = NettyChannelBuilder.forAddress(args[0], Integer.parseInt(args[1]),
                TlsChannelCredentials.newBuilder().trustManager(any).build()).build();
        try {
            EnrollmentGrpc.newBlockingStub(ch).enroll(EnrollRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            System.out.println("ready " + e.getStatus().getCode());
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
