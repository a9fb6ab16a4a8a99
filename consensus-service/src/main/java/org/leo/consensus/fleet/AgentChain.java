package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.leo.attest.ca.Pem;
import org.leo.attest.enroll.Enroller;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;

/**
 * An HPC agent's certificate as another Pi checks it: the CA certificate is the one the static peer list pins for the
 * HPC's Pi (its SHA-256), the chain verifies up to it, every certificate is valid now, and the agent certificate's
 * subject names the HPC (the appliance CA issues agent certificates with CN = the HPC's MAC at enrollment). Used by a
 * verifier for a relayed answer ({@link AnswerCheck}) and by a capsule owner's Pi for a key release
 * ({@link KeyReleaseCheck}).
 */
final class AgentChain {
    /** The agent certificate, or why not (a sentence; {@code pinned} says whether the CA itself was the problem). */
    record Result(X509Certificate agent, String problem, boolean pinned) {
        boolean ok() {
            return agent != null;
        }
    }

    private AgentChain() {
    }

    static Result check(ByteString caCertificateDer, List<ByteString> chainDer, MacAddress hpc, PeerList.Peer pi, Instant now) {
        byte[] caDer = caCertificateDer.toByteArray();
        byte[] caSha256 = Sha256.newDigest().digest(caDer);
        if (pi.caSha256().isEmpty()) {
            return new Result(null, "the peer list publishes no CA for Pi " + pi.memberHex(), false);
        }
        if (!Arrays.equals(caSha256, pi.caSha256().get())) {
            return new Result(null, "the answer's CA certificate has SHA-256 " + HexFormat.of().formatHex(caSha256) + ", the peer list publishes "
                    + HexFormat.of().formatHex(pi.caSha256().get()), false);
        }
        if (chainDer.isEmpty()) {
            return new Result(null, "the answer carries no agent certificate", true);
        }
        try {
            X509Certificate ca = Pem.certificate(caDer);
            X509Certificate[] chain = new X509Certificate[chainDer.size()];
            for (int i = 0; i < chain.length; i++) {
                chain[i] = Pem.certificate(chainDer.get(i).toByteArray());
            }
            for (int i = 0; i < chain.length; i++) {
                chain[i].verify((i + 1 < chain.length ? chain[i + 1] : ca).getPublicKey());
                chain[i].checkValidity(java.util.Date.from(now));
            }
            String named = Enroller.hpcOf(chain[0]);
            if (!named.equalsIgnoreCase(hpc.toString())) {
                return new Result(null, "the agent certificate is for " + named + ", not HPC " + hpc, true);
            }
            return new Result(chain[0], "", true);
        } catch (GeneralSecurityException | RuntimeException e) {
            return new Result(null, "the agent certificate does not chain to the Pi's CA: " + e.getMessage(), true);
        }
    }
}
