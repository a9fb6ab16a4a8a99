package org.leo.consensus.ledger;

import java.nio.file.Path;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/**
 * Child JVM for the kill -9 test: appends certificates (+1 credit each) and deposits (+1 token each) in turn, and prints each
 * sequence number once append returned (durable).
 */
public final class LedgerAppenderMain {
    private static final byte[] SECRET = new byte[32];

    private LedgerAppenderMain() {
    }

    /** The one member's key: the signer of every certificate. */
    static byte[] member() {
        byte[] p = new byte[32];
        Ed25519.generatePublicKey(SECRET, 0, p, 0);
        return p;
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(Path.of(args[0]))) {
            ledger.append(new LedgerRecord.MemberAdmitted(member(), new byte[32], 100));
            for (long i = 0; ; i++) {
                if (i % 2 == 1) {
                    System.out.println(ledger.deposit(member(), 1).seq());
                    System.out.flush();
                    continue;
                }
                RoundId round = new RoundId(new byte[32], org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), i);
                Verdict v = Verdict.sign(SECRET, round, 1, new byte[80], Verdict.Outcome.TRUSTED, new byte[32]);
                LedgerEntry e = ledger.append(new LedgerRecord.CertificateRecorded(new QuorumCertificate(round, v.outcome(), java.util.List.of(v))));
                System.out.println(e.seq());
                System.out.flush();
            }
        }
    }
}
