package org.leo.consensus.fleet;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;

/** Members of a lab fleet: keys from fixed seeds (so draws are known in advance), nodes on loopback. */
final class Lab {
    private Lab() {
    }

    static byte[] sha256(String s) {
        return Sha256.newDigest().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256Bytes(byte[] b) {
        return Sha256.newDigest().digest(b);
    }

    /** Member {@code i}'s keys: the same in every run. */
    static MemberKeys keys(int i) {
        return MemberKeys.of(sha256("leo-lab-verdict-key-" + i), sha256("leo-lab-vrf-key-" + i));
    }

    /** Member {@code k}'s draw in {@code round} with the members and credit of {@code at} (the round's head), as a VERIFIER. */
    static MemberSortition.Draw draw(MemberKeys k, FleetLedger.Snapshot at, RoundId round, int tau) {
        long credit = at.member(k.member()).orElseThrow().credit();
        return k.draw(new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER), credit, at.totalCredit(), tau);
    }

    static FleetConfig config(int tau) {
        // no challenge spread: a lab round runs when the test says, every verifier at once
        return FleetConfig.defaults().withBind(new InetSocketAddress("127.0.0.1", 0)).withExpectedCommitteeSize(tau)
                .withSchedule(FleetConfig.DEFAULT_ROUND_PERIOD, java.time.Duration.ZERO, FleetConfig.DEFAULT_ROUND_DEADLINE,
                        FleetConfig.DEFAULT_VERDICT_GRACE);
    }

    /** A node with its own meter registry (so each Pi's refusals are its own), serving HPCs when {@code relay} is present. */
    static ConsensusNode node(FleetConfig config, MemberKeys keys, Ledger ledger, Optional<RelayPort> relay) throws Exception {
        return ConsensusNode.start(config, keys, ledger, PeerList.of(List.of()), relay, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    /** The HPC's Pi, its rounds journaled in {@code roundJournal}. */
    static ConsensusNode node(FleetConfig config, MemberKeys keys, Ledger ledger, RelayPort relay, Path roundJournal) throws Exception {
        return ConsensusNode.start(config, keys, ledger, PeerList.of(List.of()), Optional.of(relay), new SimpleMeterRegistry(), Clock.systemUTC(),
                roundJournal);
    }

    static PeerList.Peer peer(ConsensusNode n, byte[] akSha256, Optional<byte[]> caSha256, List<MacAddress> hpcs) {
        return new PeerList.Peer(n.keys().member(), "127.0.0.1", n.port(), akSha256, caSha256, hpcs);
    }

    /** A peer entry for a member that has no node (its TPM pin made up). */
    static PeerList.Peer listed(MemberKeys k, int port) {
        return new PeerList.Peer(k.member(), "127.0.0.1", port, sha256("no-tpm-" + k.memberHex()), Optional.empty(), List.of());
    }
}
