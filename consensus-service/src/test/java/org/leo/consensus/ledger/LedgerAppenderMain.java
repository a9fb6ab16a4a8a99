package org.leo.consensus.ledger;

import java.nio.file.Path;

/** Child JVM for the kill -9 test: appends credit changes and prints each sequence number once append returned (durable). */
public final class LedgerAppenderMain {
    private LedgerAppenderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(Path.of(args[0]))) {
            byte[] member = new byte[32];
            ledger.append(new LedgerRecord.MemberAdmitted(member, new byte[32], 100));
            for (long i = 0; ; i++) {
                LedgerEntry e = ledger.append(new LedgerRecord.CreditChanged(member, 1, i, "certificate signed with the quorum"));
                System.out.println(e.seq());
                System.out.flush();
            }
        }
    }
}
