package org.leo.consensus.fleet;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.protocol.capsule.CapsuleHeader;
import org.leo.protocol.capsule.CapsuleOwner;

/**
 * A Pi's two secrets in the fleet: its Ed25519 verdict key, whose public half is its member key (its
 * id on the ledger and the key of its TLS certificate), and its ECVRF key, which draws its votes.
 * Two keys, not one: a verdict signature and a VRF proof never share a secret scalar. The secrets
 * never leave this object except to sign (verdicts, and the headers of the capsules the Pi owns:
 * {@link #capsuleOwner()}), prove, build the TLS identity and be stored ({@link MemberKeyFile}).
 */
public final class MemberKeys {
    public static final int SECRET_BYTES = 32;

    private final byte[] verdictSecret;
    private final byte[] vrfSecret;
    private final byte[] member;
    private final byte[] vrfKey;

    private MemberKeys(byte[] verdictSecret, byte[] vrfSecret) {
        if (verdictSecret.length != SECRET_BYTES || vrfSecret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("member secrets are " + SECRET_BYTES + " bytes each, got "
                    + verdictSecret.length + " and " + vrfSecret.length);
        }
        this.verdictSecret = verdictSecret.clone();
        this.vrfSecret = vrfSecret.clone();
        this.member = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(this.verdictSecret, 0, member, 0);
        this.vrfKey = Ecvrf.publicKey(this.vrfSecret);
    }

    public static MemberKeys of(byte[] verdictSecret, byte[] vrfSecret) {
        return new MemberKeys(verdictSecret, vrfSecret);
    }

    public static MemberKeys generate(SecureRandom random) {
        byte[] a = new byte[SECRET_BYTES];
        byte[] b = new byte[SECRET_BYTES];
        random.nextBytes(a);
        random.nextBytes(b);
        return new MemberKeys(a, b);
    }

    /** A copy of the verdict secret, for {@link MemberKeyFile} only (the caller wipes it). */
    byte[] verdictSecret() {
        return verdictSecret.clone();
    }

    /** A copy of the VRF secret, for {@link MemberKeyFile} only (the caller wipes it). */
    byte[] vrfSecret() {
        return vrfSecret.clone();
    }

    /** The Ed25519 verdict public key: the member's id. */
    public byte[] member() {
        return member.clone();
    }

    public String memberHex() {
        return HexFormat.of().formatHex(member);
    }

    public byte[] vrfKey() {
        return vrfKey.clone();
    }

    /** The member's draw over {@code alpha}: proof, output and votes. */
    public MemberSortition.Draw draw(Alpha alpha, long credit, long totalCredit, int expectedSize) {
        return MemberSortition.draw(vrfSecret, alpha, credit, totalCredit, expectedSize);
    }

    /** An ECVRF proof over arbitrary bytes (the join nonce: proof of possession of the VRF key). */
    public byte[] proveVrf(byte[] alpha) {
        return Ecvrf.prove(vrfSecret, alpha);
    }

    public Verdict sign(RoundId round, int votes, byte[] vrfProof, Verdict.Outcome outcome, byte[] evidenceSha256) {
        return Verdict.sign(verdictSecret, round, votes, vrfProof, outcome, evidenceSha256);
    }

    /**
     * The Pi as the owner of the capsules it seals: its member key signs capsule headers, whose
     * signed bytes begin with their own domain string ({@code leo-capsule-v1}), so such a signature is
     * never a valid verdict, nor a verdict a capsule signature.
     */
    public CapsuleOwner capsuleOwner() {
        return new CapsuleOwner() {
            @Override
            public byte[] publicKey() {
                return member();
            }

            @Override
            public byte[] sign(CapsuleHeader unsigned) {
                byte[] message = unsigned.signedBytes();
                byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
                Ed25519.sign(verdictSecret, 0, message, 0, message.length, sig, 0);
                return sig;
            }
        };
    }

    /**
     * The member key's signature over a task's result key for the task's capsule list ({@link ResultKey#signedBytes}: its
     * own domain string, {@code leo-result-key-v2}, so it is never a verdict or a capsule header).
     */
    public byte[] signResultKey(long taskSeq, byte[] spkiDer, byte[] capsuleListDigest) {
        byte[] message = ResultKey.signedBytes(taskSeq, spkiDer, capsuleListDigest);
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(verdictSecret, 0, message, 0, message.length, sig, 0);
        return sig;
    }

    /**
     * This member's service ({@code leo service publish}): the ServicePublished record signed with its verdict key (its own
     * domain string, {@code leo-service-v1}).
     */
    public org.leo.consensus.ledger.LedgerRecord.ServicePublished signService(byte[] imageSha256, byte[] codeCapsuleSha256, long price,
                                                                               String name) {
        return org.leo.consensus.ledger.LedgerRecord.ServicePublished.sign(verdictSecret, imageSha256, codeCapsuleSha256, price, name);
    }

    /** This member's task ({@code leo task submit}): the TaskSubmitted record signed with its verdict key ({@code leo-task-v1}). */
    public org.leo.consensus.ledger.LedgerRecord.TaskSubmitted signTask(long serviceSeq, java.util.List<byte[]> dataCapsules, int groupSize,
                                                                         long minExecutorCredit, long minMonitorCredit, long payment,
                                                                         int expiresAfter) {
        return org.leo.consensus.ledger.LedgerRecord.TaskSubmitted.sign(verdictSecret, serviceSeq, dataCapsules, groupSize, minExecutorCredit,
                minMonitorCredit, payment, expiresAfter);
    }

    /** The TLS identity: a certificate self-signed over the verdict key. */
    public MemberCertificate.Identity tlsIdentity(java.time.Instant now) {
        return MemberCertificate.selfSigned(verdictSecret, now);
    }
}
