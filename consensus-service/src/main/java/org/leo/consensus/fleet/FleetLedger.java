package org.leo.consensus.fleet;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.ledger.LedgerRules;

/**
 * The fleet's reading of a {@link Ledger}: who the members are, with which VRF key and credit, and
 * each HPC's latest reference values, as of a given ledger head. A round is drawn from the head it names, so its votes are checked against the
 * members and credit of that head, not of the ledger as it is when the verdict arrives (certificates
 * of other rounds move the head on meanwhile). A head's members are replayed from the records up to
 * it by {@link LedgerRules}, the rules both ledgers and the contract apply, starting from the nearest
 * earlier head already replayed; the last {@value #CACHED_HEADS} heads are kept.
 *
 * <p>A head a peer names is looked up with {@link #recent}: only the last {@value #RECENT_HEADS}
 * heads are candidates, so a made-up head costs one bounded read, never a scan of the whole ledger.
 * {@link #at} finds any head (auditing an old certificate).
 */
public final class FleetLedger {
    static final int CACHED_HEADS = 64;
    /** Heads a round may be drawn from: the ledger's latest ones. */
    public static final int RECENT_HEADS = 1024;
    private static final int PAGE = 10_000;

    /** The members at one head (the entry numbered {@code seq}; 0 for genesis), by member key (hex), and the rules' state there. */
    public record Snapshot(long seq, byte[] head, Map<String, LedgerRules.MemberState> members, LedgerRules rules) {
        public Snapshot {
            head = head.clone();
            members = Map.copyOf(members);
        }

        static Snapshot of(long seq, byte[] head, LedgerRules rules) {
            return new Snapshot(seq, head, rules.members(), rules);
        }

        @Override
        public byte[] head() {
            return head.clone();
        }

        public Optional<LedgerRules.MemberState> member(byte[] key) {
            return Optional.ofNullable(members.get(HexFormat.of().formatHex(key)));
        }

        public long totalCredit() {
            return members.values().stream().mapToLong(LedgerRules.MemberState::credit).sum();
        }

        /** The latest reference values published for {@code hpc} at this head: what a verifier appraises its evidence against. */
        public Optional<LedgerRecord.ReferenceValues> referenceValues(MacAddress hpc) {
            return rules.referenceValues(hpc);
        }

        /** The task {@code hpc} may hold at this head (LedgerRules.TaskOnHpc): what its task state is appraised against. */
        public Optional<LedgerRules.TaskOnHpc> taskOn(MacAddress hpc) {
            return rules.taskOn(hpc);
        }
    }

    private static final Snapshot GENESIS = Snapshot.of(0, Ledger.GENESIS, new LedgerRules());

    private final Ledger ledger;
    private final int recentHeads;
    private final Map<String, Snapshot> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Snapshot> eldest) {
            return size() > CACHED_HEADS;
        }
    };

    public FleetLedger(Ledger ledger) {
        this(ledger, RECENT_HEADS);
    }

    /** With another window of recent heads (tests). */
    FleetLedger(Ledger ledger, int recentHeads) {
        this.ledger = ledger;
        this.recentHeads = recentHeads;
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

    /** The members as of {@code head} if it is one of the last {@value #RECENT_HEADS} heads (or genesis on a younger ledger). */
    public synchronized Optional<Snapshot> recent(byte[] head) {
        long top = ledger.head().map(LedgerEntry::seq).orElse(0L);
        Snapshot cached = Arrays.equals(head, Ledger.GENESIS) ? GENESIS : cache.get(HexFormat.of().formatHex(head));
        if (cached != null) {
            return cached.seq() > top - recentHeads ? Optional.of(cached) : Optional.empty();
        }
        for (LedgerEntry e : ledger.entries(Math.max(1, top - recentHeads + 1), recentHeads)) {
            if (Arrays.equals(e.hash(), head)) {
                return Optional.of(snapshot(e.seq(), head));
            }
        }
        return Optional.empty();
    }

    /** The members as of the entry whose hash is {@code head} ({@link Ledger#GENESIS}: none), or empty if no entry has it. */
    public synchronized Optional<Snapshot> at(byte[] head) {
        Snapshot cached = cache.get(HexFormat.of().formatHex(head));
        if (cached != null) {
            return Optional.of(cached);
        }
        if (Arrays.equals(head, Ledger.GENESIS)) {
            return Optional.of(GENESIS);
        }
        for (long from = 1; ; ) {
            List<LedgerEntry> page = ledger.entries(from, PAGE);
            for (LedgerEntry e : page) {
                if (Arrays.equals(e.hash(), head)) {
                    return Optional.of(snapshot(e.seq(), head));
                }
            }
            if (page.size() < PAGE) {
                return Optional.empty();
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
    }

    /** The members as of {@code entry}, an entry read from this ledger (its seq is trusted, no search). */
    public synchronized Snapshot atEntry(LedgerEntry entry) {
        Snapshot cached = cache.get(HexFormat.of().formatHex(entry.hash()));
        return cached != null ? cached : snapshot(entry.seq(), entry.hash());
    }

    /** Replays up to entry {@code seq} from the nearest earlier snapshot kept, and keeps the result. */
    private Snapshot snapshot(long seq, byte[] head) {
        Snapshot base = cache.values().stream().filter(c -> c.seq() <= seq).max(java.util.Comparator.comparingLong(Snapshot::seq))
                .orElse(GENESIS);
        LedgerRules rules = base.rules().copy();
        for (long from = base.seq() + 1; from <= seq; ) {
            List<LedgerEntry> page = ledger.entries(from, (int) Math.min(PAGE, seq - from + 1));
            if (page.isEmpty()) {
                break;
            }
            page.forEach(rules::apply);
            from = page.get(page.size() - 1).seq() + 1;
        }
        Snapshot s = Snapshot.of(seq, head, rules);
        cache.put(HexFormat.of().formatHex(head), s);
        return s;
    }
}
