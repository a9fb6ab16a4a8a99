package org.leo.appliance.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.leo.attest.AttestationNode;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.attest.server.HpcStatus;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.PeerList;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.pxe.dhcp.Lease;

/**
 * The operator's read model of a running appliance: what the dashboard and {@code /api} show, computed on demand
 * from the parts' own stores (boot event log, leases, attestation engine and log, ledger). Plain Java; every record
 * here is the JSON the API returns.
 */
public final class Dashboard {
    /** Most boot events and log entries one HPC view carries. */
    public static final int DETAIL_ROWS = 200;
    /** Most ledger entries one page carries. */
    public static final int LEDGER_PAGE = 200;

    /** Where an HPC's boot has got to, in order; {@link #progress()} is the dashboard's bar. */
    public enum Stage {
        OFF("no boot seen"), DHCP("has an address"), FILES("fetching its boot script and files"), KERNEL("kernel and initramfs served"),
        ENROLLED("enrolled, attestation stream open (not attested: no baseline yet, or an error or critical finding this boot)"),
        ATTESTED("attested: baselined, and no finding worse than a warning this boot");

        private final String meaning;

        Stage(String meaning) {
            this.meaning = meaning;
        }

        public double progress() {
            return ordinal() / (double) ATTESTED.ordinal();
        }

        public String meaning() {
            return meaning;
        }
    }

    public record ApplianceView(String host, String version, Instant started, List<String> inUse, Map<String, String> components,
                                Optional<String> member) { }

    /** One HPC as the fleet page shows it. {@code quarantined}: its network was cut from the dashboard and not restored. */
    /**
     * An HPC as the dashboard shows it. {@code seq} orders views: one with a higher seq read the appliance's state later,
     * so a page that gets a view by a fetch and another by the live feed keeps the later one, whichever arrives last.
     */
    public record HpcView(long seq, String mac, Optional<String> address, String stage, String stageMeaning, double progress, boolean connected,
                          long challenges, long verdicts, long findings, Optional<Instant> lastVerdictAt, String lastVerdict,
                          boolean quarantined, Optional<Instant> lastBootEventAt) { }

    /** The seq of the latest view made. */
    private static final java.util.concurrent.atomic.AtomicLong VIEWS = new java.util.concurrent.atomic.AtomicLong();

    public record BootEventView(long id, Instant at, String stage, String protocol, String file, long bytes, String sha256, String detail) { }

    public record LogView(long seq, Instant at, String hpc, String kind, String severity, String eventId, String message, String detail,
                          String hash) { }

    public record HpcDetail(HpcView hpc, List<BootEventView> bootEvents, List<LogView> timeline) { }

    public record PeerView(String member, String address, long credit, List<String> hpcs, boolean self) { }

    public record FleetView(Optional<String> self, List<PeerView> peers, long totalCredit) { }

    public record LedgerEntryView(long seq, String type, String sentence, String hash) { }

    public record LedgerView(Optional<Long> head, Optional<String> headHash, boolean chainIntact, Optional<String> chainProblem,
                             List<LedgerEntryView> entries) { }

    private final ApplianceParts parts;
    private final Set<String> quarantined;

    public Dashboard(ApplianceParts parts, Set<String> quarantined) {
        this.parts = parts;
        this.quarantined = quarantined;
    }

    public ApplianceView appliance(String version) {
        Map<String, String> components = new LinkedHashMap<>();
        components.put("pxe", "UP");
        components.put("attestation", parts.attestation().isPresent() ? "UP" : "OFF");
        components.put("consensus", parts.fleet().map(f -> f.admitted() ? "UP" : "JOINING").orElse("OFF"));
        components.put("ledger", parts.ledger().isPresent() ? "UP" : "OFF");
        return new ApplianceView(hostName(), version, parts.started(), parts.defaults(), components,
                parts.fleet().map(f -> f.node().keys().memberHex()));
    }

    /** The HPCs this Pi serves: the enrolled ones, then any other MAC holding a lease. */
    public List<HpcView> hpcs() {
        Set<MacAddress> macs = new LinkedHashSet<>(parts.enrolled());
        macs.addAll(new java.util.TreeSet<>(parts.pxe().enrolled())); // and those enrolled since the start
        for (Lease l : parts.pxe().leases().all()) {
            macs.add(l.mac());
        }
        List<HpcView> out = new ArrayList<>();
        for (MacAddress m : macs) {
            out.add(hpc(m));
        }
        return out;
    }

    /**
     * The stage an HPC is at: where its boot events got it, unless its agent streams: then attested when baselined and no
     * verdict of this boot was worse than a warning (a later clean verdict, from a challenge that did not look where a
     * finding was, does not make a tampered HPC attested again), else enrolled.
     */
    static Stage stage(Stage booted, Optional<HpcStatus> status) {
        if (status.isEmpty() || !status.get().connected()) {
            return booted;
        }
        HpcStatus s = status.get();
        return s.baselined() && s.verdicts() > 0 && s.worst().compareTo(org.leo.attest.appraise.Severity.WARNING) <= 0 ? Stage.ATTESTED : Stage.ENROLLED;
    }

    public HpcView hpc(MacAddress mac) {
        long seq = VIEWS.incrementAndGet(); // before any state is read
        Optional<HpcStatus> status = parts.attestation().flatMap(a -> a.engine().status(mac.toString()));
        List<LoggedEvent> recent = parts.pxe().events().loggedFor(mac, 64);
        Stage stage = stage(bootStage(mac, recent), status);
        Optional<Instant> lastEvent = recent.isEmpty() ? Optional.empty() : Optional.of(recent.get(recent.size() - 1).event().at());
        return new HpcView(seq, mac.toString(), parts.pxe().leases().byMac(mac).map(l -> l.address().getHostAddress()), stage.name(),
                stage.meaning(), stage.progress(), status.map(HpcStatus::connected).orElse(false),
                status.map(HpcStatus::challengesSent).orElse(0L), status.map(HpcStatus::verdicts).orElse(0L),
                status.map(HpcStatus::findings).orElse(0L), status.map(HpcStatus::lastVerdictAt), status.map(HpcStatus::lastVerdict).orElse(""),
                quarantined.contains(mac.toString()), lastEvent);
    }

    /** How far the latest boot got by the boot event log alone: address, script and files, kernel and initramfs. */
    private Stage bootStage(MacAddress mac, List<LoggedEvent> recent) {
        Optional<BootSession> session = parts.pxe().events().latestBoot(mac);
        if (session.isPresent()) {
            boolean afterDhcp = recent.stream().noneMatch(e -> e.id() > session.get().scriptEventId() && e.event().stage() == BootStage.DHCP_DISCOVER);
            if (afterDhcp) {
                Map<String, String> served = session.get().servedFiles();
                return served.containsKey(parts.pxe().scriptKernel()) && served.containsKey(parts.pxe().scriptInitrd()) ? Stage.KERNEL : Stage.FILES;
            }
        }
        for (int i = recent.size() - 1; i >= 0; i--) {
            BootStage s = recent.get(i).event().stage();
            if (s == BootStage.DHCP_ACK) {
                return Stage.DHCP;
            }
            if (s == BootStage.DHCP_DISCOVER || s == BootStage.DHCP_RELEASE) {
                return Stage.OFF;
            }
        }
        return Stage.OFF;
    }

    public HpcDetail detail(MacAddress mac) {
        List<BootEventView> boot = parts.pxe().events().loggedFor(mac, DETAIL_ROWS).stream().map(Dashboard::view).toList();
        List<LogView> timeline = parts.attestation().map(a -> a.log().forHpc(mac.toString(), DETAIL_ROWS).stream().map(Dashboard::view).toList())
                .orElse(List.of());
        return new HpcDetail(hpc(mac), boot, timeline);
    }

    /** A boot event for the API; {@code protocol} is empty for the stages that move no file (DHCP, enrollment...). */
    public static BootEventView view(LoggedEvent e) {
        BootEvent b = e.event();
        String protocol = b.protocol() == null ? "" : b.protocol().name();
        return new BootEventView(e.id(), b.at(), b.stage().name(), protocol, b.file(), b.bytes(), b.sha256Hex(), b.detail());
    }

    public static LogView view(ChainedEntry c) {
        LogEntry e = c.entry();
        return new LogView(c.seq(), e.at(), e.hpc(), e.kind().name(), e.severity(), e.eventId(), e.message(), e.detail(), c.hashHex());
    }

    public FleetView fleet() {
        if (parts.fleet().isEmpty()) {
            return new FleetView(Optional.empty(), List.of(), 0);
        }
        FleetAppliance f = parts.fleet().get();
        String self = f.node().keys().memberHex();
        Map<String, Long> credits = new TreeMap<>(parts.ledger().map(Ledger::credits).orElse(Map.of()));
        List<PeerView> peers = new ArrayList<>();
        Set<String> listed = new LinkedHashSet<>();
        for (PeerList.Peer p : f.node().peers().all()) {
            listed.add(p.memberHex());
            peers.add(new PeerView(p.memberHex(), p.host() + ":" + p.port(), credits.getOrDefault(p.memberHex(), 0L),
                    p.hpcs().stream().map(MacAddress::toString).toList(), p.memberHex().equals(self)));
        }
        for (Map.Entry<String, Long> c : credits.entrySet()) { // members on the ledger that this Pi's peer list does not name
            if (!listed.contains(c.getKey())) {
                peers.add(new PeerView(c.getKey(), "", c.getValue(), List.of(), c.getKey().equals(self)));
            }
        }
        return new FleetView(Optional.of(self), peers, credits.values().stream().mapToLong(Long::longValue).sum());
    }

    /** A page of the ledger, newest first when {@code before} is empty, and whether its hash chain verifies. */
    public LedgerView ledger(Optional<Long> before, int limit) {
        if (parts.ledger().isEmpty()) {
            return new LedgerView(Optional.empty(), Optional.empty(), true, Optional.empty(), List.of());
        }
        Ledger l = parts.ledger().get();
        Optional<LedgerEntry> head = l.head();
        int n = Math.max(1, Math.min(limit, LEDGER_PAGE));
        long end = before.orElse(head.map(h -> h.seq() + 1).orElse(0L));
        long from = Math.max(0, end - n);
        List<LedgerEntryView> entries = new ArrayList<>();
        for (LedgerEntry e : l.entries(from, (int) (end - from))) {
            entries.add(0, new LedgerEntryView(e.seq(), e.record().getClass().getSimpleName(), e.record().describe(),
                    HexFormat.of().formatHex(e.hash())));
        }
        Optional<String> problem = chainCheck(l, head.map(LedgerEntry::seq).orElse(-1L));
        return new LedgerView(head.map(LedgerEntry::seq), head.map(h -> HexFormat.of().formatHex(h.hash())), problem.isEmpty(), problem, entries);
    }

    /** The last chain check and the head it covered: the whole chain is verified again only when the head moved. */
    private record ChainCheck(long head, Optional<String> problem) { }

    private volatile ChainCheck lastCheck;

    private Optional<String> chainCheck(Ledger l, long head) {
        ChainCheck c = lastCheck;
        if (c == null || c.head() != head) {
            c = new ChainCheck(head, l.verifyChain());
            lastCheck = c;
        }
        return c.problem();
    }

    /** Whether this Pi serves {@code mac} (enrolled at start or since, or holding a lease), without building its view. */
    public boolean serves(MacAddress mac) {
        return parts.enrolled().contains(mac) || parts.pxe().enrolled().contains(mac) || parts.pxe().leases().byMac(mac).isPresent();
    }

    public Optional<AttestationNode> attestation() {
        return parts.attestation();
    }

    public ApplianceParts parts() {
        return parts;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }
}
