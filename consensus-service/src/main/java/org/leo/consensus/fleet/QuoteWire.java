package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.leo.protocol.consensus.v1.Quote;
import org.leo.protocol.tpm.TpmQuote;

/** TPM quotes and attestation keys between the protocol's types and the Fleet wire form. */
final class QuoteWire {
    private QuoteWire() {
    }

    static Quote toWire(TpmQuote q) {
        Quote.Builder b = Quote.newBuilder().setAttest(ByteString.copyFrom(q.attest())).setSignature(ByteString.copyFrom(q.signature()));
        for (int pcr : q.pcrs()) {
            b.addPcrs(pcr);
        }
        q.pcrValues().forEach(v -> b.addPcrValues(ByteString.copyFrom(v)));
        return b.build();
    }

    /** A quote from a peer, as received (bounded by {@link FleetLimits} first); nothing is checked here. */
    static TpmQuote fromWire(Quote q) {
        int[] pcrs = q.getPcrsList().stream().mapToInt(p -> (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(p))).toArray();
        List<byte[]> values = new ArrayList<>();
        q.getPcrValuesList().forEach(v -> values.add(v.toByteArray()));
        return new TpmQuote(q.getAttest().toByteArray(), q.getSignature().toByteArray(), pcrs, values);
    }

    /** An attestation key's SubjectPublicKeyInfo (EC or RSA) as a JCA key. */
    static PublicKey spki(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            } catch (RuntimeException e) { // a provider's parser on hostile bytes
                last = new GeneralSecurityException(e.getMessage(), e);
            }
        }
        throw new GeneralSecurityException("not an EC or RSA SubjectPublicKeyInfo: " + last.getMessage(), last);
    }
}
