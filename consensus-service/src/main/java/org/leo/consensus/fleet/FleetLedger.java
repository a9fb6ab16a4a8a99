package org.leo.consensus.fleet;

import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;

/**
 * The fleet's reading of a {@link Ledger}: who the members are, with which VRF key and credit, as of
 * a given ledger head. A round is drawn from the head it names, so its votes are checked against the
 * members and credit of that head, not of the ledger as it is when the verdict arrives (certificates
 * of other rounds move the head on meanwhile). A head's members are replayed from the records up to
 * it, by the same rules the embedded ledger applies (admission sets the starting credit once; a
 * credit change applies only to an admitted member and never takes credit below zero); the last
 * {@value #CACHED_HEADS} heads asked for are kept.
 */
public final class FleetLedger {
    static final int CACHED_HEADS = 64;
    private static final int PAGE = 10_000;

    /** A member as of some head. */
    public record Member(byte[] member, byte[] vrfKey, long credit) {
        public Member {
            member = member.clone();
            vrfKey = vrfKey.clone();
        }

        @Override
        public byte[] member() {
            return member.clone();
        }

        @Override
        public byte[] vrfKey() {
            return vrfKey.clone();
        }
    }

    /** The members at one head, by member key (hex). */
    public record Snapshot(byte[] head, Map<String, Member> members) {
        public Snapshot {
            head = head.clone();
            members = Map.copyOf(members);
        }

        @Override
        public byte[] head() {
            return head.clone();
        }

        public Optional<Member> member(byte[] key) {
            return Optional.ofNullable(members.get(HexFormat.of().formatHex(key)));
        }

        public long totalCredit() {
            return members.values().stream().mapToLong(Member::credit).sum();
        }
    }

    private final Ledger ledger;
    private final Map<String, Snapshot> cache = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Snapshot> eldest) {
            return size() > CACHED_HEADS;
        }
    });

    public FleetLedger(Ledger ledger) {
        this.ledger = ledger;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Whether {@code memberHex} is admitted now. */
    public boolean admitted(String memberHex) {
        return ledger.credits().containsKey(memberHex);
    }

    /** The members as of the current head. */
    public Snapshot now() {
        return at(ledger.headHash()).orElseThrow(() -> new IllegalStateException("the ledger's own head is not on it"));
    }

    /** The members as of the entry whose hash is {@code head} ({@link Ledger#GENESIS}: none), or empty if no entry has it. */
    public Optional<Snapshot> at(byte[] head) {
        String key = HexFormat.of().formatHex(head);
        Snapshot cached = cache.get(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Map<String, Member> members = new LinkedHashMap<>();
        if (!Arrays.equals(head, Ledger.GENESIS)) {
            boolean found = false;
            long from = 1;
            while (!found) {
                List<LedgerEntry> page = ledger.entries(from, PAGE);
                for (LedgerEntry e : page) {
                    apply(members, e.record());
                    if (Arrays.equals(e.hash(), head)) {
                        found = true;
                        break;
                    }
                }
                if (page.size() < PAGE) {
                    break;
                }
                from = page.get(page.size() - 1).seq() + 1;
            }
            if (!found) {
                return Optional.empty();
            }
        }
        Snapshot s = new Snapshot(head, members);
        cache.put(key, s);
        return Optional.of(s);
    }

    private static void apply(Map<String, Member> members, LedgerRecord r) {
        if (r instanceof LedgerRecord.MemberAdmitted m) {
            members.putIfAbsent(HexFormat.of().formatHex(m.member()), new Member(m.member(), m.vrfKey(), m.credit()));
        } else if (r instanceof LedgerRecord.CreditChanged c) {
            members.computeIfPresent(HexFormat.of().formatHex(c.member()),
                    (k, v) -> new Member(v.member(), v.vrfKey(), Math.max(0, v.credit() + c.delta())));
        }
    }
}
