package org.leo.consensus.fleet;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.Ledger;

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

    static PeerList.Peer peer(ConsensusNode n, byte[] akSha256, Optional<byte[]> caSha256, List<MacAddress> hpcs) {
        return new PeerList.Peer(n.keys().member(), "127.0.0.1", n.port(), akSha256, caSha256, hpcs);
    }

    /** A peer entry for a member that has no node (its TPM pin made up). */
    static PeerList.Peer listed(MemberKeys k, int port) {
        return new PeerList.Peer(k.member(), "127.0.0.1", port, sha256("no-tpm-" + k.memberHex()), Optional.empty(), List.of());
    }
}
