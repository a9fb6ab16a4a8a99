package org.leo.attest.server;

import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import org.leo.attest.enroll.Enroller;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.EnrollmentGrpc;

/** The enrollment port's service: the agent's self-signed TLS certificate and its CSR go to the {@link Enroller}. */
final class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private final Enroller enroller;

    EnrollmentService(Enroller enroller) {
        this.enroller = enroller;
    }

    @Override
    public void enroll(EnrollRequest request, StreamObserver<EnrollResponse> response) {
        try {
            response.onNext(enroller.enroll(request, PeerContext.CERTIFICATE.get(), PeerContext.ADDRESS.get().getAddress()));
            response.onCompleted();
        } catch (StatusException e) {
            response.onError(e);
        }
    }
}
