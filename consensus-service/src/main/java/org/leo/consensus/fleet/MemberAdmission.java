package org.leo.consensus.fleet;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.leo.boot.manifest.Sha256;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.consensus.vrf.VrfVerdict;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.tpm.AkPublic;
import org.leo.protocol.tpm.QuoteExpectation;
import org.leo.protocol.tpm.QuoteVerdict;
import org.leo.protocol.tpm.QuoteVerifier;
import org.leo.protocol.tpm.TpmFormatException;

/**
 * Decides a join request (fleet.proto's Join) and, only if every check passes, appends
 * {@code MemberAdmitted} with the configured starting credit. The checks, in order, each refused
 * with its reason and counted: caps ({@code OVERSIZED}); the request's member key is the TLS
 * client's ({@code PEER_MISMATCH}); it is in the static peer list ({@code NOT_LISTED}); it is not
 * admitted yet ({@code ALREADY_ADMITTED}); the VRF proof over the join nonce verifies under the VRF
 * key ({@code BAD_VRF_KEY}); the attestation key is a restricted TPM signing key whose
 * SubjectPublicKeyInfo hashes to the peer list's pin for that member ({@code AK_NOT_PINNED}); the
 * quote verifies under it with the join nonce over PCR {@value Join#QUOTED_PCR} ({@code BAD_QUOTE}).
 * One decision at a time, so a member is never admitted twice.
 */
public final class MemberAdmission {
    /** Admitted (the ledger entry) or refused (reason and sentence). */
    public record Decision(Optional<LedgerEntry> admitted, Optional<FleetRefusal> refused, String message) {
        static Decision refuse(FleetRefusal reason, String message) {
            return new Decision(Optional.empty(), Optional.of(reason), message);
        }
    }

    private final FleetLedger ledger;
    private final java.util.function.Supplier<PeerList> peers;
    private final long startingCredit;
    private final Refusals refusals;

    public MemberAdmission(FleetLedger ledger, java.util.function.Supplier<PeerList> peers, long startingCredit, Refusals refusals) {
        if (startingCredit < 0) {
            throw new IllegalArgumentException("a starting credit is at least 0, got " + startingCredit);
        }
        this.ledger = ledger;
        this.peers = peers;
        this.startingCredit = startingCredit;
        this.refusals = refusals;
    }

    /** Decides {@code r}, which arrived over TLS from member {@code tlsPeer}. */
    public synchronized Decision admit(JoinRequest r, byte[] tlsPeer) {
        String peer = HexFormat.of().formatHex(tlsPeer);
        Decision d = decide(r, tlsPeer);
        if (d.refused().isPresent()) {
            refusals.refused(d.refused().get(), peer, d.message());
        }
        return d;
    }

    private Decision decide(JoinRequest r, byte[] tlsPeer) {
        Optional<String> over = FleetLimits.problem(r);
        if (over.isPresent()) {
            return Decision.refuse(FleetRefusal.OVERSIZED, "join request: " + over.get());
        }
        byte[] member = r.getMemberKey().toByteArray();
        byte[] vrfKey = r.getVrfKey().toByteArray();
        HexFormat hex = HexFormat.of();
        if (!Arrays.equals(member, tlsPeer)) {
            return Decision.refuse(FleetRefusal.PEER_MISMATCH, "the join request names member " + hex.formatHex(member)
                    + ", the TLS client is " + hex.formatHex(tlsPeer));
        }
        Optional<PeerList.Peer> listed = peers.get().member(member);
        if (listed.isEmpty()) {
            return Decision.refuse(FleetRefusal.NOT_LISTED, "member " + hex.formatHex(member) + " is not in the static peer list");
        }
        if (ledger.admitted(hex.formatHex(member))) {
            return Decision.refuse(FleetRefusal.ALREADY_ADMITTED, "member " + hex.formatHex(member) + " is already admitted");
        }
        byte[] nonce = Join.nonce(member, vrfKey);
        VrfVerdict possession = Ecvrf.verify(vrfKey, r.getVrfProof().toByteArray(), nonce);
        if (!possession.isValid()) {
            return Decision.refuse(FleetRefusal.BAD_VRF_KEY, "the VRF proof over the join nonce: " + possession.toLine());
        }
        AkPublic ak;
        try {
            ak = AkPublic.parse(r.getAkPublicArea().toByteArray());
        } catch (TpmFormatException e) {
            return Decision.refuse(FleetRefusal.AK_NOT_PINNED, e.getMessage());
        }
        byte[] akSha256 = Sha256.newDigest().digest(ak.publicKey().getEncoded());
        if (!Arrays.equals(akSha256, listed.get().akSha256())) {
            return Decision.refuse(FleetRefusal.AK_NOT_PINNED, "the attestation key has SHA-256 " + hex.formatHex(akSha256)
                    + ", the peer list pins " + hex.formatHex(listed.get().akSha256()) + " for member " + hex.formatHex(member));
        }
        QuoteVerdict q = QuoteVerifier.verify(ak.publicKey(), QuoteWire.fromWire(r.getQuote()), QuoteExpectation.of(nonce, Join.QUOTED_PCR));
        if (!q.ok()) {
            return Decision.refuse(FleetRefusal.BAD_QUOTE, "the join quote: " + q.summary());
        }
        LedgerEntry e = ledger.ledger().append(new LedgerRecord.MemberAdmitted(member, vrfKey, startingCredit));
        return new Decision(Optional.of(e), Optional.empty(), "member " + hex.formatHex(member) + " admitted with credit " + startingCredit
                + " as ledger entry #" + e.seq());
    }
}
