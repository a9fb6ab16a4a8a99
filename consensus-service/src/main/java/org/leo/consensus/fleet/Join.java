package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.leo.boot.manifest.Sha256;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;

/**
 * What a Pi sends to join the fleet, and the nonce that binds it: its TPM quotes, with its
 * attestation key, qualifying data
 * <pre>  join nonce = SHA-256("leo-join-v1\0" || member key || VRF key)</pre>
 * so the TPM the peer list pins vouches for exactly these two keys; the VRF key's own proof over the
 * same nonce shows the joiner holds its secret. The quote covers PCR {@value #QUOTED_PCR}, whose
 * value nobody appraises yet: the Pi's own boot is not measured against anything (docs/consensus.md).
 */
public final class Join {
    static final byte[] DOMAIN = "leo-join-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** The PCR a join quote covers (SHA-256 bank). */
    public static final int QUOTED_PCR = 0;

    private Join() {
    }

    public static byte[] nonce(byte[] member, byte[] vrfKey) {
        MessageDigest md = Sha256.newDigest();
        md.update(DOMAIN);
        md.update(member);
        md.update(vrfKey);
        return md.digest();
    }

    /** The join request of {@code keys}, quoted by {@code tpm}'s attestation key. */
    public static JoinRequest request(MemberKeys keys, Tpm tpm) throws TpmException {
        byte[] nonce = nonce(keys.member(), keys.vrfKey());
        return JoinRequest.newBuilder().setMemberKey(ByteString.copyFrom(keys.member())).setVrfKey(ByteString.copyFrom(keys.vrfKey()))
                .setVrfProof(ByteString.copyFrom(keys.proveVrf(nonce)))
                .setAkPublicArea(ByteString.copyFrom(tpm.attestationKey().publicArea()))
                .setQuote(QuoteWire.toWire(tpm.quote(nonce, QUOTED_PCR))).build();
    }
}
