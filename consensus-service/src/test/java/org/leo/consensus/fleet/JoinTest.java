package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;

/**
 * Joining the fleet with two real TPMs (swtpm): the founder admits itself, a second Pi joins through
 * it over mutual TLS with a quote of its own TPM; a quote that does not verify, an attestation key
 * that is not the one pinned, a member key that is not listed, a forged VRF key and a second join
 * are refused with their reasons, and none of them leaves anything on the ledger. With
 * {@code -Dleo.capture=true} a real join request is written as the fuzz test's seed.
 */
@Tag("system")
class JoinTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    static byte[] akPin(Tpm tpm) throws Exception {
        return HexFormat.of().parseHex(tpm.attestationKey().fingerprint());
    }

    @Test
    void aListedPiWhoseQuoteVerifiesUnderItsPinnedKeyIsAdmittedAndNothingElseIs() throws Exception {
        try (SwtpmProcess swA = SwtpmProcess.start(); SwtpmProcess swB = SwtpmProcess.start();
             Tpm tpmA = Tpm.open(swA.endpoint()); Tpm tpmB = Tpm.open(swB.endpoint());
             EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
             ConsensusNode a = Lab.node(Lab.config(7), Lab.keys(1), ledger, Optional.empty());
             ConsensusNode b = Lab.node(Lab.config(7), Lab.keys(2), ledger, Optional.empty());
             ConsensusNode c = Lab.node(Lab.config(7), Lab.keys(3), ledger, Optional.empty());
             ConsensusNode d = Lab.node(Lab.config(7), Lab.keys(4), ledger, Optional.empty());
             ConsensusNode e = Lab.node(Lab.config(7), Lab.keys(5), ledger, Optional.empty())) {
            PeerList list = PeerList.of(List.of(
                    Lab.peer(a, akPin(tpmA), Optional.empty(), List.of()),
                    Lab.peer(b, akPin(tpmB), Optional.empty(), List.of()),
                    Lab.peer(c, akPin(tpmA), Optional.empty(), List.of()), // C will quote with B's TPM: not its pinned AK
                    Lab.peer(d, akPin(tpmB), Optional.empty(), List.of())));
            for (ConsensusNode n : List.of(a, b, c, d, e)) {
                n.usePeers(list);
            }
            PeerList.Peer viaA = list.member(a.keys().member()).orElseThrow();

            MemberAdmission.Decision founder = a.admitSelf(tpmA);
            assertThat(founder.admitted()).isPresent();
            assertThat(founder.admitted().get().seq()).isEqualTo(1);

            JoinResponse joined = b.join(viaA, tpmB);
            assertThat(joined.hasAdmitted()).as(joined.toString()).isTrue();
            assertThat(joined.getAdmitted().getLedgerSeq()).isEqualTo(2);
            assertThat(joined.getAdmitted().getCredit()).isEqualTo(FleetConfig.DEFAULT_STARTING_CREDIT);
            assertThat(ledger.credits()).containsEntry(b.keys().memberHex(), FleetConfig.DEFAULT_STARTING_CREDIT);
            assertThat(((LedgerRecord.MemberAdmitted) ledger.head().orElseThrow().record()).vrfKey()).isEqualTo(b.keys().vrfKey());
            byte[] head = ledger.headHash();

            // an attestation key other than the one the peer list pins for the member
            assertRefused(c.join(viaA, tpmB), "AK_NOT_PINNED", "the attestation key has SHA-256 " + tpmB.attestationKey().fingerprint()
                    + ", the peer list pins " + tpmA.attestationKey().fingerprint() + " for member " + c.keys().memberHex());

            // D's own pinned TPM, but a quote over another nonce
            JoinRequest honest = Join.request(d.keys(), tpmB);
            if (Boolean.getBoolean("leo.capture")) { // the fuzz test's seed
                Path seed = Path.of("src/test/resources/org/leo/consensus/fleet/MemberAdmissionFuzzTestInputs/admissionNeverThrows/join-request");
                java.nio.file.Files.createDirectories(seed.getParent());
                java.nio.file.Files.write(seed, honest.toByteArray());
            }
            JoinRequest otherNonce = honest.toBuilder().setQuote(QuoteWire.toWire(tpmB.quote(Lab.sha256("another nonce"), Join.QUOTED_PCR))).build();
            assertRefused(d.client(viaA).join(otherNonce, T), "BAD_QUOTE", "the join quote: WRONG_NONCE: quote nonce is ");
            // the pinned AK's public area with a quote by another TPM over the right nonce
            JoinRequest otherTpm = honest.toBuilder().setQuote(QuoteWire.toWire(tpmA.quote(Join.nonce(d.keys().member(), d.keys().vrfKey()),
                    Join.QUOTED_PCR))).build();
            assertRefused(d.client(viaA).join(otherTpm, T), "BAD_QUOTE", "the join quote: BAD_SIGNATURE");
            // a VRF key whose proof over the join nonce does not verify
            byte[] proof = honest.getVrfProof().toByteArray();
            proof[5] ^= 1;
            assertRefused(d.client(viaA).join(honest.toBuilder().setVrfProof(ByteString.copyFrom(proof)).build(), T), "BAD_VRF_KEY",
                    "the VRF proof over the join nonce: invalid");
            // a second join
            assertRefused(b.join(viaA, tpmB), "ALREADY_ADMITTED", "member " + b.keys().memberHex() + " is already admitted");

            // a member key that is not listed: refused in the TLS handshake, and by the admission itself
            assertThatThrownBy(() -> e.join(viaA, tpmB)).isInstanceOf(StatusRuntimeException.class);
            assertThat(a.refusals().count("NOT_A_MEMBER")).isGreaterThanOrEqualTo(1);
            MemberAdmission admission = new MemberAdmission(a.ledger(), () -> list, 10, new Refusals(new SimpleMeterRegistry()));
            MemberAdmission.Decision unlisted = admission.admit(Join.request(e.keys(), tpmB), e.keys().member());
            assertThat(unlisted.refused()).contains(FleetRefusal.NOT_LISTED);
            assertThat(unlisted.message()).isEqualTo("member " + e.keys().memberHex() + " is not in the static peer list");

            assertThat(ledger.headHash()).as("no refusal leaves anything on the ledger").isEqualTo(head);
            assertThat(ledger.credits()).containsOnlyKeys(a.keys().memberHex(), b.keys().memberHex());
            for (String reason : List.of("AK_NOT_PINNED", "BAD_VRF_KEY", "ALREADY_ADMITTED")) {
                assertThat(a.refusals().count(reason)).as(reason).isEqualTo(1);
            }
            assertThat(a.refusals().count("BAD_QUOTE")).isEqualTo(2);
        }
    }

    static void assertRefused(JoinResponse r, String reason, String messageStart) {
        assertThat(r.hasRefused()).as(r.toString()).isTrue();
        assertThat(r.getRefused().getReason()).isEqualTo(reason);
        assertThat(r.getRefused().getMessage()).startsWith(messageStart);
    }
}
