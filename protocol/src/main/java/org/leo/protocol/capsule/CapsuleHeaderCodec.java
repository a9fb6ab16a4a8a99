package org.leo.protocol.capsule;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.Arrays;
import org.leo.protocol.task.v1.CapsuleHeader.TermsCase;

/**
 * {@link CapsuleHeader} to and from its protobuf form, {@code leo.task.v1.CapsuleHeader}. A pure
 * function of untrusted bytes: {@link #decode} checks every field and refuses a header that is not
 * in the one canonical encoding protobuf-java writes for its values (fields in number order, no
 * unknown fields, no default values written out, minimal varints), by re-encoding what it read.
 */
public final class CapsuleHeaderCodec {
    private CapsuleHeaderCodec() {
    }

    /** The protobuf message of {@code header} (without a signature if it has none yet). */
    public static org.leo.protocol.task.v1.CapsuleHeader toProto(CapsuleHeader header) {
        Requirements r = header.requirements();
        var b = org.leo.protocol.task.v1.CapsuleHeader.newBuilder()
                .setVersion(header.version())
                .setOwner(ByteString.copyFrom(header.owner()))
                .setKindValue(header.kind().code())
                .setPayloadSha256(ByteString.copyFrom(header.payload().bytes()))
                .setPlaintextSha256(ByteString.copyFrom(header.plaintextSha256()))
                .setPlaintextSize(header.plaintextSize())
                .setNonce(ByteString.copyFrom(header.nonce()))
                .setRequirements(org.leo.protocol.task.v1.Requirements.newBuilder()
                        .setImageDigest(r.imageDigest())
                        .setNetworkValue(r.network().code())
                        .setCleanupRequired(r.cleanupRequired())
                        .setMinExecutorCredit(r.minExecutorCredit())
                        .setMinMonitorCredit(r.minMonitorCredit()))
                .setCreatedUnixMillis(header.createdAt().toEpochMilli())
                .setLabel(header.label())
                .setSignature(ByteString.copyFrom(header.signature()));
        if (header.terms().basis() == Terms.Basis.PRICE) {
            b.setPrice(header.terms().amount());
        } else {
            b.setBudget(header.terms().amount());
        }
        return b.build();
    }

    /** The canonical protobuf bytes of {@code header}. */
    public static byte[] encode(CapsuleHeader header) {
        return toProto(header).toByteArray();
    }

    /**
     * A signed header from its protobuf bytes: MALFORMED_HEADER, UNSUPPORTED_VERSION or NOT_CANONICAL
     * with the particulars if it is not one. The signature is not checked here.
     */
    public static CapsuleHeader decode(byte[] bytes) throws CapsuleException {
        org.leo.protocol.task.v1.CapsuleHeader p;
        try {
            p = org.leo.protocol.task.v1.CapsuleHeader.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "not a protobuf CapsuleHeader: " + e.getMessage());
        }
        CapsuleHeader h = fromProto(p);
        if (!Arrays.equals(encode(h), bytes)) {
            throw new CapsuleException(CapsuleProblem.NOT_CANONICAL, "its " + bytes.length
                    + " bytes are not the protobuf encoding of its own values");
        }
        return h;
    }

    /** A signed header from a message decoded elsewhere (a gRPC request): every field checked. */
    public static CapsuleHeader fromProto(org.leo.protocol.task.v1.CapsuleHeader p) throws CapsuleException {
        if (!p.getUnknownFields().asMap().isEmpty()) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "fields this version does not know: "
                    + p.getUnknownFields().asMap().keySet());
        }
        if (p.getVersion() != CapsuleHeader.VERSION) {
            throw new CapsuleException(CapsuleProblem.UNSUPPORTED_VERSION, "version " + Integer.toUnsignedString(p.getVersion())
                    + ", this code knows " + CapsuleHeader.VERSION);
        }
        if (!p.hasRequirements()) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "no requirements");
        }
        if (p.getTermsCase() == TermsCase.TERMS_NOT_SET) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "neither a price nor a budget");
        }
        if (p.getSignature().size() != CapsuleHeader.SIGNATURE_BYTES) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "signature: expected " + CapsuleHeader.SIGNATURE_BYTES
                    + " bytes, got " + p.getSignature().size());
        }
        var r = p.getRequirements();
        try {
            if (!r.getUnknownFields().asMap().isEmpty()) {
                throw new IllegalArgumentException("requirements: fields this version does not know: " + r.getUnknownFields().asMap().keySet());
            }
            if (p.getCreatedUnixMillis() < 0) {
                throw new IllegalArgumentException("created at: at most 2^63-1 ms, got " + Long.toUnsignedString(p.getCreatedUnixMillis()));
            }
            Terms terms = p.getTermsCase() == TermsCase.PRICE ? Terms.price(p.getPrice()) : Terms.budget(p.getBudget());
            Requirements req = new Requirements(r.getImageDigest(), Network.ofCode(r.getNetworkValue()), r.getCleanupRequired(),
                    r.getMinExecutorCredit(), r.getMinMonitorCredit());
            ContentAddress payload = ContentAddress.ofDigest(exact(p.getPayloadSha256(), "payload SHA-256"));
            return new CapsuleHeader(p.getVersion(), p.getOwner().toByteArray(), CapsuleKind.ofCode(p.getKindValue()), payload,
                    p.getPlaintextSha256().toByteArray(), p.getPlaintextSize(), p.getNonce().toByteArray(), req, terms,
                    Instant.ofEpochMilli(p.getCreatedUnixMillis()), p.getLabel(), p.getSignature().toByteArray());
        } catch (IllegalArgumentException e) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, e.getMessage());
        }
    }

    private static byte[] exact(ByteString b, String what) {
        if (b.size() != ContentAddress.BYTES) {
            throw new IllegalArgumentException(what + ": expected " + ContentAddress.BYTES + " bytes, got " + b.size());
        }
        return b.toByteArray();
    }
}
