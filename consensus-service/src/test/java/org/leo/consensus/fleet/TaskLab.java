package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.leo.attest.ca.ApplianceCa;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.task.TaskElection;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.Terms;

/**
 * The ledger side of a trusted task for tests: members with known keys, a service and a task, the honest claims of the
 * drawn members, a task round's certificate signed by monitors, and an HPC agent certified by its Pi's appliance CA
 * with evidence it signed.
 */
final class TaskLab {
    static final long CREDIT = 10;
    /** Expected votes of the group: 24 over 6 members of equal credit gives every member about 4, so nearly all are drawn. */
    static final int GROUP = 24;

    private TaskLab() {
    }

    static MacAddress hpc(int i) {
        return MacAddress.parse(String.format("52:54:00:7a:00:%02x", i));
    }

    static void admit(Ledger ledger, List<MemberKeys> members) {
        for (MemberKeys k : members) {
            ledger.append(new LedgerRecord.MemberAdmitted(k.member(), k.vrfKey(), CREDIT));
        }
    }

    /** What the lab's capsules require: the image of {@link #service}, any credit (the lab's tasks ask none). */
    static final org.leo.protocol.capsule.Requirements REQUIREMENTS = org.leo.protocol.capsule.Requirements.of(
            "sha256:" + HexFormat.of().formatHex(Lab.sha256("image")), 0, 0);

    /** A capsule sealed by {@code owner} for the lab's services: the capsule and its AES key. */
    static CapsuleSealer.Sealed seal(MemberKeys owner, CapsuleKind kind, String text) {
        return seal(owner, kind, text, REQUIREMENTS);
    }

    /** A capsule sealed by {@code owner} with {@code requirements}. */
    static CapsuleSealer.Sealed seal(MemberKeys owner, CapsuleKind kind, String text, org.leo.protocol.capsule.Requirements requirements) {
        return new CapsuleSealer(owner.capsuleOwner(), new SecureRandom(), Clock.systemUTC())
                .seal(text.getBytes(StandardCharsets.UTF_8), kind, requirements, Terms.price(3), "");
    }

    static LedgerEntry service(Ledger ledger, MemberKeys author, byte[] codeAddress) {
        return ledger.append(LedgerRecord.ServicePublished.sign(author.verdictSecret(), Lab.sha256("image"), codeAddress, 3, "grey"));
    }

    static LedgerEntry task(Ledger ledger, MemberKeys owner, long serviceSeq, List<byte[]> dataAddresses) {
        ledger.deposit(owner.member(), 10); // the payment it escrows
        return ledger.append(LedgerRecord.TaskSubmitted.sign(owner.verdictSecret(), serviceSeq, dataAddresses, GROUP, 0, 0, 10, 10_000));
    }

    /** Member {@code k}'s own draw for the task. */
    static MemberSortition.Draw draw(MemberKeys k, FleetLedger ledger, LedgerEntry task) {
        FleetLedger.Snapshot at = ledger.at(task.hash()).orElseThrow();
        return k.draw(TaskElection.alpha(task), at.member(k.member()).orElseThrow().credit(), at.totalCredit(), GROUP);
    }

    /** The honest claims of the drawn members, in ascending order of member key. */
    static List<LedgerRecord.GroupClaim> claims(List<MemberKeys> members, FleetLedger ledger, LedgerEntry task) {
        List<LedgerRecord.GroupClaim> claims = new ArrayList<>();
        for (MemberKeys k : members) {
            MemberSortition.Draw d = draw(k, ledger, task);
            if (d.votes() > 0) {
                claims.add(new LedgerRecord.GroupClaim(k.member(), d.votes(), d.proof()));
            }
        }
        claims.sort((a, b) -> java.util.Arrays.compareUnsigned(a.member(), b.member()));
        return claims;
    }

    /** The GroupElected record of the drawn members' honest claims: the executor TaskElection elects, named. */
    static LedgerRecord.GroupElected groupRecord(List<MemberKeys> members, FleetLedger ledger, LedgerEntry task) {
        List<LedgerRecord.GroupClaim> claims = claims(members, ledger, task);
        FleetLedger.Snapshot at = ledger.at(task.hash()).orElseThrow();
        List<TaskElection.Claim> all = new ArrayList<>();
        for (LedgerRecord.GroupClaim c : claims) {
            var m = at.member(c.member()).orElseThrow();
            all.add(new TaskElection.Claim(c.member(), m.vrfKey(), m.credit(), c.proof(), c.votes()));
        }
        String executor = TaskElection.elect(task, at.members(), at.totalCredit(), all).executor().orElseThrow().memberId();
        return new LedgerRecord.GroupElected(task.seq(), HexFormat.of().parseHex(executor), claims);
    }

    static TaskElection.Group group(FleetLedger ledger, LedgerEntry task, LedgerEntry group) {
        FleetLedger.Snapshot at = ledger.at(task.hash()).orElseThrow();
        return TaskElection.elect(task, at.members(), at.totalCredit(), (LedgerRecord.GroupElected) group.record());
    }

    static MemberKeys keysOf(List<MemberKeys> members, String hex) {
        return members.stream().filter(k -> k.memberHex().equals(hex)).findFirst().orElseThrow();
    }

    static LedgerRecord.GroupClaim claimOf(LedgerEntry group, String hex) {
        return ((LedgerRecord.GroupElected) group.record()).claims().stream().filter(c -> HexFormat.of().formatHex(c.member()).equals(hex))
                .findFirst().orElseThrow();
    }

    /** Verdicts of {@code outcome} by the monitors named, each with its claim's votes and proof, the first over {@code evidenceSha256}. */
    static List<Verdict> verdicts(List<MemberKeys> members, LedgerEntry group, RoundId round, Verdict.Outcome outcome, List<String> monitors,
                                  byte[] evidenceSha256) {
        List<Verdict> vs = new ArrayList<>();
        for (String m : monitors) {
            LedgerRecord.GroupClaim c = claimOf(group, m);
            byte[] digest = vs.isEmpty() ? evidenceSha256 : Lab.sha256("another monitor's evidence " + m);
            vs.add(keysOf(members, m).sign(round, (int) c.votes(), c.proof(), outcome, digest));
        }
        return vs;
    }

    static LedgerEntry certify(Ledger ledger, RoundId round, Verdict.Outcome outcome, List<Verdict> verdicts) {
        return ledger.append(new LedgerRecord.CertificateRecorded(new QuorumCertificate(round, outcome, verdicts)));
    }

    /** An HPC's agent: its key pair (in RAM on the HPC), its certificate from its Pi's CA, and evidence it signed. */
    record Agent(KeyPair keys, X509Certificate certificate, ApplianceCa ca, Evidence evidence) {
        byte[] evidenceSha256() {
            return Lab.sha256Bytes(evidence.getBody().toByteArray());
        }

        List<byte[]> chain() throws Exception {
            return List.of(certificate.getEncoded());
        }

        byte[] caDer() throws Exception {
            return ca.certificate().getEncoded();
        }
    }

    static Agent agent(ApplianceCa ca, MacAddress hpc, String nonce) throws Exception {
        KeyPair k = ApplianceCa.newKeyPair();
        X509Certificate cert = ca.issueClient(k.getPublic(), hpc.toString(), Duration.ofHours(1));
        return new Agent(k, cert, ca, evidence(k.getPrivate(), nonce));
    }

    static Evidence evidence(PrivateKey key, String nonce) throws Exception {
        byte[] body = EvidenceBody.newBuilder().setChallengeId(7).setNonce(ByteString.copyFrom(Lab.sha256(nonce))).setSequence(1)
                .setCollectedEpochMillis(1).build().toByteArray();
        return Evidence.newBuilder().setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(EvidenceSignature.sign(key, body))).build();
    }
}
