package org.leo.consensus.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict;

/**
 * What the ledger records: attestation facts only, never task data. Each kind has a one-byte type
 * and a canonical body (big-endian, length-prefixed where variable), which the hash chain covers.
 */
public sealed interface LedgerRecord {
    int MAX_BODY_BYTES = 1 << 20;

    /** The type byte of the record's kind. */
    int type();

    /** The canonical body. */
    byte[] body();

    /** One line for logs and {@code leo ledger show}. */
    String describe();

    /** A Pi admitted to the fleet: its verdict key (its id), its VRF public key, its starting credit. */
    record MemberAdmitted(byte[] member, byte[] vrfKey, long credit) implements LedgerRecord {
        public MemberAdmitted {
            member = member.clone();
            vrfKey = vrfKey.clone();
            if (member.length != 32 || vrfKey.length != 32 || credit < 0) {
                throw new IllegalArgumentException("member admission: 32-byte keys and a credit of at least 0");
            }
        }

        @Override
        public int type() {
            return 1;
        }

        @Override
        public byte[] body() {
            return ByteBuffer.allocate(72).put(member).put(vrfKey).putLong(credit).array();
        }

        @Override
        public String describe() {
            return "member " + hex(member) + " admitted with VRF key " + hex(vrfKey) + " and credit " + credit;
        }
    }

    /** The reference values an HPC's evidence is appraised against, published at its enrollment. */
    record ReferenceValues(MacAddress hpc, byte[] manifestSha256, byte[] measuredBootSha256, byte[] goldenSha256) implements LedgerRecord {
        public ReferenceValues {
            java.util.Objects.requireNonNull(hpc, "hpc");
            manifestSha256 = manifestSha256.clone();
            measuredBootSha256 = measuredBootSha256.clone();
            goldenSha256 = goldenSha256.clone();
            if (manifestSha256.length != 32 || measuredBootSha256.length != 32 || goldenSha256.length != 32) {
                throw new IllegalArgumentException("reference values: three SHA-256 digests");
            }
        }

        @Override
        public int type() {
            return 2;
        }

        @Override
        public byte[] body() {
            return ByteBuffer.allocate(MacAddress.LENGTH + 96).put(hpc.toByteArray()).put(manifestSha256).put(measuredBootSha256)
                    .put(goldenSha256).array();
        }

        @Override
        public String describe() {
            return "reference values of HPC " + hpc + ": manifest " + hex(manifestSha256) + ", measured boot "
                    + hex(measuredBootSha256) + ", golden " + hex(goldenSha256);
        }
    }

    /** A quorum certificate: its signed verdicts, re-verifiable by anyone. */
    record CertificateRecorded(QuorumCertificate certificate) implements LedgerRecord {
        @Override
        public int type() {
            return 3;
        }

        @Override
        public byte[] body() {
            return verdicts(certificate.verdicts().toArray(Verdict[]::new));
        }

        @Override
        public String describe() {
            return "certificate: " + certificate.outcome() + " for " + certificate.round() + ", " + certificate.votes() + " vote(s) from "
                    + certificate.verdicts().size() + " member(s)";
        }
    }

    /** Two conflicting signed verdicts of one member for one round. */
    record EquivocationRecorded(Equivocation evidence) implements LedgerRecord {
        @Override
        public int type() {
            return 4;
        }

        @Override
        public byte[] body() {
            return verdicts(evidence.first(), evidence.second());
        }

        @Override
        public String describe() {
            return "equivocation by member " + evidence.memberHex() + " in " + evidence.round();
        }
    }

    /** A change of a member's credit, and the record it follows from (credit is never transferred). */
    record CreditChanged(byte[] member, long delta, long becauseOfSeq, String reason) implements LedgerRecord {
        public CreditChanged {
            member = member.clone();
            if (member.length != 32 || reason.isEmpty() || reason.length() > 200 || !printable(reason)) {
                throw new IllegalArgumentException("credit change: a 32-byte member key and a reason of 1..200 printable ASCII characters");
            }
        }

        @Override
        public int type() {
            return 5;
        }

        @Override
        public byte[] body() {
            byte[] r = reason.getBytes(StandardCharsets.US_ASCII);
            return ByteBuffer.allocate(32 + 16 + 2 + r.length).put(member).putLong(delta).putLong(becauseOfSeq).putShort((short) r.length)
                    .put(r).array();
        }

        @Override
        public String describe() {
            return "credit of member " + hex(member) + (delta >= 0 ? " +" : " ") + delta + " (" + reason + ", record #" + becauseOfSeq + ")";
        }
    }

    private static byte[] verdicts(Verdict... vs) {
        int n = 2;
        for (Verdict v : vs) {
            n += 2 + v.encode().length;
        }
        ByteBuffer b = ByteBuffer.allocate(n).putShort((short) vs.length);
        for (Verdict v : vs) {
            byte[] e = v.encode();
            b.putShort((short) e.length).put(e);
        }
        return b.array();
    }

    /** Printable ASCII and spaces only: what a log line and a re-encoding keep byte for byte. */
    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, 8)) + "..";
    }
}
