package org.leo.agent;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.concurrent.atomic.AtomicLong;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckError;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * Turns a challenge into signed evidence: one result per check, in order, bound to the challenge's
 * id and nonce and a rising sequence number, signed with the agent's in-RAM key.
 */
public final class Responder {
    private final EvidenceSource source;
    private final AtomicLong sequence = new AtomicLong();

    public Responder(EvidenceSource source) {
        this.source = source;
    }

    public Evidence answer(Challenge c, PrivateKey key) throws GeneralSecurityException {
        byte[] nonce = c.getNonce().toByteArray();
        EvidenceBody.Builder body = EvidenceBody.newBuilder().setChallengeId(c.getChallengeId()).setNonce(c.getNonce())
                .setSequence(sequence.incrementAndGet()).setCollectedEpochMillis(System.currentTimeMillis());
        for (Check check : c.getChecksList()) {
            CheckResult r;
            try {
                r = source.answer(check, nonce);
            } catch (RuntimeException e) { // a collector bug must not cost the whole answer
                r = CheckResult.newBuilder().setError(CheckError.newBuilder().setCheck(check.getKindCase().name())
                        .setMessage(e.toString())).build();
            }
            body.addResults(r);
        }
        byte[] bytes = body.build().toByteArray();
        return Evidence.newBuilder().setBody(ByteString.copyFrom(bytes))
                .setSignature(ByteString.copyFrom(EvidenceSignature.sign(key, bytes))).build();
    }
}
