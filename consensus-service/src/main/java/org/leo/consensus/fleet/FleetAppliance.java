package org.leo.consensus.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.leo.consensus.capsule.FileCapsuleStore;
import org.leo.consensus.ledger.Ledger;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.WrapKey;
import org.leo.protocol.tpm.WrapKeyFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Pi in the fleet as {@code leo pxe serve --fleet} runs it: its member keys (made once,
 * {@link MemberKeyFile}), its {@link ConsensusNode} over the fleet's ledger, its admission, its
 * {@link RoundSchedule}, and on a Pi that serves HPCs the {@link ReferencePublisher} of their
 * reference values (a due publication is retried a moment after every round starts). Before every
 * round the static peer list is re-read if its file changed (Ansible rewrites it) and, until this Pi
 * is a member, it asks to be admitted:
 * <ul>
 * <li>on an empty ledger the Pi on the peer list's first line founds the fleet: it admits itself,
 *     through the same checks as any join (its TPM quote against the AK the list pins for it);</li>
 * <li>any other Pi sends its join request (its VRF key and a quote of its TPM) to the members of
 *     the list, in list order, until one admits it.</li>
 * </ul>
 */
public final class FleetAppliance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetAppliance.class);
    /** The journal of the rounds this Pi collects, beside its member keys. */
    public static final String ROUND_JOURNAL = "rounds.db";

    private final Path peersFile;
    private final Tpm tpm;
    private final ConsensusNode node;
    private final RoundSchedule schedule;
    private final Optional<ReferencePublisher> references;
    private volatile FileTime peersRead;

    private FleetAppliance(Path peersFile, Tpm tpm, ConsensusNode node, Optional<ReferencePublisher> references, FleetConfig config, Clock clock,
                           Consumer<Participation> watcher, FileTime peersRead) {
        this.peersFile = peersFile;
        this.tpm = tpm;
        this.node = node;
        this.references = references;
        this.peersRead = peersRead;
        this.schedule = new RoundSchedule(node, config, clock, this::beforeRound, watcher);
    }

    /**
     * Starts this Pi's consensus service: keys from {@code consensusDir}, the peer list from {@code peersFile}, the
     * Fleet port, and the round schedule. On a Pi that serves HPCs, {@code relay} relays its HPCs' challenges and
     * {@code references} are what it publishes their reference values from ({@link ReferencePublisher}). The caller
     * owns {@code ledger} and {@code tpm} (and closes them after this).
     */
    public static FleetAppliance start(FleetConfig config, Path consensusDir, Path peersFile, Ledger ledger, Tpm tpm, Optional<RelayPort> relay,
                                       Optional<ReferencePublisher.Sources> references, MeterRegistry registry, Clock clock,
                                       Consumer<Participation> watcher) throws IOException {
        Optional<String> problem = config.scheduleProblem();
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        MemberKeys keys = MemberKeyFile.loadOrCreate(consensusDir, new SecureRandom());
        FileTime read = Files.getLastModifiedTime(peersFile);
        PeerList peers = PeerList.read(peersFile);
        if (peers.member(keys.member()).isEmpty()) {
            LOG.warn("consensus: the peer list {} does not name this Pi (member {}): no Pi will accept its connections until it does "
                    + "('leo fleet identity' prints its line)", peersFile, keys.memberHex());
        }
        ConsensusNode node = ConsensusNode.start(config, keys, ledger, peers, relay, registry, clock, consensusDir.resolve(ROUND_JOURNAL));
        node.followSchedule(config.roundPeriod());
        Optional<ReferencePublisher> publisher = references.map(r -> ReferencePublisher.start(node.ledger(), r));
        FleetAppliance a = new FleetAppliance(peersFile, tpm, node, publisher, config, clock, watcher, read);
        LOG.info("consensus: member {} on Fleet port {}, {} peer(s) listed, {}; a round of every HPC every {} ms", keys.memberHex(), node.port(),
                peers.all().size(), a.admitted() ? "a member of the fleet" : "not yet admitted", config.roundPeriod().toMillis());
        a.beforeRound();
        a.schedule.start();
        return a;
    }

    public ConsensusNode node() {
        return node;
    }

    /** Where a Pi keeps the wrapped keys of the capsules it releases, under its data directory ({@link WrappedKeys#directory}). */
    public static final String CAPSULE_KEYS = "capsule-keys";

    /**
     * The public half of this Pi's capsule wrap key, under its data directory ({@link WrapKeyFile}): what
     * {@code leo capsule seal --wrap-key} seals to while this Pi's service holds the TPM, or on another machine.
     */
    public static final String CAPSULE_WRAP_KEY = "capsule-wrap-key.pub";

    /**
     * Writes the public half of {@code tpm}'s wrap key to {@code DATA-DIR/}{@value #CAPSULE_WRAP_KEY} (atomically, and
     * only if the file does not hold it already) and logs its fingerprint, which the owner compares a copy of the file with.
     */
    public static WrapKey publishWrapKey(Tpm tpm, Path dataDir) throws TpmException, IOException {
        WrapKey key = tpm.wrapKeyPublic();
        Path file = dataDir.resolve(CAPSULE_WRAP_KEY);
        boolean written = WrapKeyFile.writeIfChanged(file, key);
        LOG.info("consensus: capsule wrap key {} in {}{}", key.fingerprint(), file, written ? "" : " (unchanged)");
        return key;
    }

    /**
     * This Pi takes part in trusted tasks ({@link ConsensusNode#serveTasks}): its wrapped capsule keys are the key files in
     * {@code DATA-DIR/capsule-keys/} (named {@code <capsule address>.key}, as {@code leo capsule seal --tpm} writes them),
     * unwrapped by this Pi's TPM; it serves the capsules of {@code DATA-DIR/capsules/}. The store it returns fetches what
     * that one lacks from the peers (what an executor's Pi loads its task's capsules with). The results of its own tasks are
     * fetched from their executors into {@code DATA-DIR/results-received/} ({@link OwnResults}; {@code leo task result}
     * opens them). It writes the public half of its wrap key to {@code DATA-DIR/}{@value #CAPSULE_WRAP_KEY}
     * ({@link #publishWrapKey}) for sealing while it holds the TPM.
     */
    public PeerCapsuleStore serveTasks(TaskConfig taskConfig, Path dataDir) throws IOException {
        try {
            publishWrapKey(tpm, dataDir);
        } catch (TpmException | IOException e) {
            LOG.warn("consensus: cannot write the capsule wrap key to {}: {} (seal with --tpm instead of --wrap-key)",
                    dataDir.resolve(CAPSULE_WRAP_KEY), e.getMessage());
        }
        FileCapsuleStore local = FileCapsuleStore.open(dataDir.resolve(FileCapsuleStore.DIR), taskConfig.maxCapsuleBytes(),
                node.refusals().registry());
        node.serveTasks(taskConfig, tpm, WrappedKeys.directory(dataDir.resolve(CAPSULE_KEYS)), local);
        node.fetchOwnResults(OwnResults.Config.defaults(), dataDir.resolve(OwnResults.DIR));
        LOG.info("consensus: serving tasks: claim window {} ms, key release within {} s of a certificate", taskConfig.claimWindow().toMillis(),
                taskConfig.releaseFreshness().toSeconds());
        return PeerCapsuleStore.of(node, local, taskConfig.maxCapsuleBytes(), Duration.ofSeconds(60));
    }

    public boolean admitted() {
        return node.ledger().admitted(node.keys().memberHex());
    }

    private void beforeRound() {
        rereadPeers();
        references.ifPresent(ReferencePublisher::retrySoon);
        if (!admitted()) {
            try {
                admit();
            } catch (RuntimeException | TpmException e) {
                LOG.warn("consensus: not yet admitted to the fleet: {}", e.toString());
            }
        }
    }

    private void rereadPeers() {
        try {
            FileTime now = Files.getLastModifiedTime(peersFile);
            if (!now.equals(peersRead)) {
                node.usePeers(PeerList.read(peersFile));
                peersRead = now;
                LOG.info("consensus: re-read the peer list {}: {} peer(s)", peersFile, node.peers().all().size());
            }
        } catch (IOException e) {
            LOG.warn("consensus: keeping the peer list as it was: {}", e.getMessage());
        }
    }

    /** One attempt to become a member: found the fleet, or join through a listed member. */
    private void admit() throws TpmException {
        List<PeerList.Peer> listed = node.peers().all();
        if (node.ledger().ledger().credits().isEmpty()) {
            if (!listed.isEmpty() && listed.get(0).memberHex().equals(node.keys().memberHex())) {
                MemberAdmission.Decision d = node.admitSelf(tpm);
                LOG.info("consensus: founding the fleet (first on the peer list): {}", d.admitted().isPresent()
                        ? "admitted as ledger entry #" + d.admitted().get().seq() : "refused: " + d.message());
            } else {
                LOG.info("consensus: the ledger has no member yet; waiting for the Pi on the peer list's first line to found the fleet");
            }
            return;
        }
        for (PeerList.Peer p : listed) {
            if (p.memberHex().equals(node.keys().memberHex()) || !node.ledger().admitted(p.memberHex())) {
                continue;
            }
            try {
                JoinResponse r = node.join(p, tpm);
                if (r.hasAdmitted()) {
                    LOG.info("consensus: admitted to the fleet by {} ({}:{}) as ledger entry #{} with credit {}", p.memberHex(), p.host(), p.port(),
                            r.getAdmitted().getLedgerSeq(), r.getAdmitted().getCredit());
                    return;
                }
                LOG.warn("consensus: {} ({}:{}) refused to admit this Pi: {} {}", p.memberHex(), p.host(), p.port(), r.getRefused().getReason(),
                        r.getRefused().getMessage());
            } catch (RuntimeException e) {
                LOG.warn("consensus: could not ask {} ({}:{}) to admit this Pi: {}", p.memberHex(), p.host(), p.port(), e.toString());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        schedule.close();
        references.ifPresent(ReferencePublisher::close);
        node.close();
    }
}
