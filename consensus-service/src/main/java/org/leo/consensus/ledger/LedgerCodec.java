package org.leo.consensus.ledger;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import static org.leo.consensus.WireBytes.take;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict;

/** Reads a record back from its type and canonical body; anything else is an IllegalArgumentException. */
final class LedgerCodec {
    private LedgerCodec() {
    }

    static LedgerRecord decode(int type, byte[] body) {
        if (body.length > LedgerRecord.MAX_BODY_BYTES) {
            throw new IllegalArgumentException("ledger record: " + body.length + " bytes, at most " + LedgerRecord.MAX_BODY_BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        try {
            LedgerRecord r = switch (type) {
                case 1 -> new LedgerRecord.MemberAdmitted(take(b, 32), take(b, 32), b.getLong());
                case 2 -> new LedgerRecord.ReferenceValues(org.leo.boot.net.MacAddress.of(take(b, 6)), take(b, 32), take(b, 32), take(b, 32));
                case 3 -> {
                    List<Verdict> vs = verdicts(b);
                    if (vs.isEmpty()) {
                        throw new IllegalArgumentException("certificate without verdicts");
                    }
                    Verdict first = vs.get(0);
                    yield new LedgerRecord.CertificateRecorded(new QuorumCertificate(first.round(), first.outcome(), vs));
                }
                case 4 -> {
                    List<Verdict> vs = verdicts(b);
                    if (vs.size() != 2) {
                        throw new IllegalArgumentException("equivocation with " + vs.size() + " verdicts, expected 2");
                    }
                    yield new LedgerRecord.EquivocationRecorded(new Equivocation(vs.get(0), vs.get(1)));
                }
                case 5 -> {
                    byte[] member = take(b, 32);
                    long delta = b.getLong();
                    long because = b.getLong();
                    yield new LedgerRecord.CreditChanged(member, delta, because,
                            new String(take(b, Short.toUnsignedInt(b.getShort())), StandardCharsets.ISO_8859_1));
                }
                case 6 -> {
                    byte[] author = take(b, 32);
                    byte[] image = take(b, 32);
                    byte[] code = take(b, 32);
                    long price = b.getLong();
                    String name = new String(take(b, Byte.toUnsignedInt(b.get())), StandardCharsets.ISO_8859_1);
                    yield new LedgerRecord.ServicePublished(author, image, code, price, name, take(b, 64));
                }
                case 7 -> {
                    byte[] owner = take(b, 32);
                    long service = b.getLong();
                    int group = Short.toUnsignedInt(b.getShort());
                    long minExecutor = b.getLong();
                    long minMonitor = b.getLong();
                    long payment = b.getLong();
                    int expiresAfter = b.getInt();
                    int n = Byte.toUnsignedInt(b.get());
                    List<byte[]> capsules = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        capsules.add(take(b, 32));
                    }
                    yield new LedgerRecord.TaskSubmitted(owner, service, capsules, group, minExecutor, minMonitor, payment, expiresAfter, take(b, 64));
                }
                case 8 -> {
                    long task = b.getLong();
                    byte[] executor = take(b, 32);
                    int n = Short.toUnsignedInt(b.getShort());
                    List<LedgerRecord.GroupClaim> claims = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        claims.add(new LedgerRecord.GroupClaim(take(b, 32), Integer.toUnsignedLong(b.getInt()), take(b, 80)));
                    }
                    yield new LedgerRecord.GroupElected(task, executor, claims);
                }
                case 9 -> new LedgerRecord.TokensDeposited(take(b, 32), b.getLong(), take(b, LedgerRecord.ACCOUNT_BYTES));
                case 10 -> new LedgerRecord.TokensWithdrawn(take(b, 32), b.getLong(), take(b, LedgerRecord.ACCOUNT_BYTES));
                case 11 -> {
                    long task = b.getLong();
                    long certificate = b.getLong();
                    int n = Short.toUnsignedInt(b.getShort());
                    List<LedgerRecord.Share> group = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        byte[] member = take(b, 32);
                        int flag = b.get();
                        if (flag != 0 && flag != 1) {
                            throw new IllegalArgumentException("settlement: a penalty flag of " + flag + ", expected 0 or 1");
                        }
                        group.add(new LedgerRecord.Share(member, flag == 1));
                    }
                    yield new LedgerRecord.TaskSettled(task, certificate, group);
                }
                case 12 -> new LedgerRecord.TaskExpired(b.getLong());
                default -> throw new IllegalArgumentException("unknown ledger record type " + type);
            };
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("ledger record type " + type + ": " + b.remaining() + " trailing bytes");
            }
            return r;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("ledger record type " + type + ": truncated");
        }
    }

    private static List<Verdict> verdicts(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        List<Verdict> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Verdict.decode(take(b, Short.toUnsignedInt(b.getShort()))));
        }
        return out;
    }

}
