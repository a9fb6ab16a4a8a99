package org.leo.attest.server;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import org.leo.attest.enroll.Enroller;
import org.leo.attest.enroll.TpmEnrollment;
import org.leo.protocol.attest.v1.BeginEnrollRequest;
import org.leo.protocol.attest.v1.CompleteEnrollRequest;
import org.leo.protocol.attest.v1.EnrollChallenge;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.EnrollmentGrpc;

/** The enrollment port's service: the agent's self-signed TLS certificate and its CSR go to the {@link Enroller}. */
final class EnrollmentService extends EnrollmentGrpc.EnrollmentImplBase {
    private final Enroller enroller;
    private final TpmEnrollment measured;

    EnrollmentService(Enroller enroller, TpmEnrollment measured) {
        this.enroller = enroller;
        this.measured = measured;
    }

    @Override
    public void beginEnroll(BeginEnrollRequest request, StreamObserver<EnrollChallenge> response) {
        if (measured == null) {
            response.onError(Status.UNIMPLEMENTED.withDescription("this appliance has no measured enrollment configured").asException());
            return;
        }
        try {
            response.onNext(measured.begin(request, PeerContext.CERTIFICATE.get(), PeerContext.ADDRESS.get().getAddress()));
            response.onCompleted();
        } catch (StatusException e) {
            response.onError(e);
        }
    }

    @Override
    public void completeEnroll(CompleteEnrollRequest request, StreamObserver<EnrollResponse> response) {
        if (measured == null) {
            response.onError(Status.UNIMPLEMENTED.withDescription("this appliance has no measured enrollment configured").asException());
            return;
        }
        try {
            response.onNext(measured.complete(request, PeerContext.CERTIFICATE.get(), PeerContext.ADDRESS.get().getAddress()));
            response.onCompleted();
        } catch (StatusException e) {
            response.onError(e);
        }
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
