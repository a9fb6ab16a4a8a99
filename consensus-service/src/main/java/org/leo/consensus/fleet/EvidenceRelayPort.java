package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.attest.tpm.EvidenceRelay;
import org.leo.attest.tpm.HeadQuote;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.consensus.v1.AttestationLogEntry;
import org.leo.protocol.consensus.v1.LogHeadQuote;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * {@link RelayPort} over the attestation server's {@link EvidenceRelay}: the relayed evidence as the
 * agent signed it, the challenge it answers, the HPC's golden baseline as the agent signed it, the
 * agent's certificate, this Pi's appliance CA certificate, the Pi's TPM quote over its log head, and
 * the log from the entry that records the relay up to the quoted head (other entries may have been
 * appended between the relay's entry and the quote; the verifier recomputes the chain over all of
 * them). A log that moved on by more than {@link FleetLimits#MAX_LOG_SEGMENT} entries in between
 * fails the relay.
 */
public final class EvidenceRelayPort implements RelayPort {
    private final EvidenceRelay relay;
    private final AttestationLog log;
    private final X509Certificate ca;
    private final Set<MacAddress> hpcs;

    public EvidenceRelayPort(EvidenceRelay relay, AttestationLog log, X509Certificate applianceCa, Set<MacAddress> hpcs) {
        this.relay = relay;
        this.log = log;
        this.ca = applianceCa;
        this.hpcs = Set.copyOf(hpcs);
    }

    @Override
    public boolean serves(MacAddress hpc) {
        return hpcs.contains(hpc);
    }

    @Override
    public CompletableFuture<RelayAnswer> relay(MacAddress hpc, byte[] nonce) {
        if (!serves(hpc)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("this Pi does not serve HPC " + hpc));
        }
        return relay.relay(hpc.toString(), nonce).thenApply(this::answer);
    }

    private RelayAnswer answer(EvidenceRelay.Report r) {
        HeadQuote q = r.piQuote();
        long from = r.relayEntry().seq();
        long n = q.headSeq() - from + 1;
        if (n < 1 || n > FleetLimits.MAX_LOG_SEGMENT) {
            throw new CompletionException(new IllegalStateException("the log moved by " + n + " entries between the relay (#" + from
                    + ") and the quote (#" + q.headSeq() + "), more than the " + FleetLimits.MAX_LOG_SEGMENT + " an answer carries"));
        }
        List<ChainedEntry> segment = log.since(from - 1, (int) n);
        try {
            RelayAnswer.Builder b = RelayAnswer.newBuilder().setEvidence(r.relayed().evidence())
                    .addAgentCertificateChainDer(ByteString.copyFrom(r.relayed().agentCertificate().getEncoded()))
                    .setCaCertificateDer(ByteString.copyFrom(ca.getEncoded()))
                    .setPiQuote(LogHeadQuote.newBuilder().setHeadSeq(q.headSeq()).setHeadHash(ByteString.copyFrom(q.headHash()))
                            .setQuote(QuoteWire.toWire(q.quote())).setAkSpkiDer(ByteString.copyFrom(spki(q.akPem()))))
                    .setChallenge(r.relayed().challenge());
            r.relayed().golden().ifPresent(b::setGolden); // without it the verifier finds no golden to appraise against
            segment.forEach(e -> b.addLogSegment(toWire(e)));
            return b.build();
        } catch (CertificateEncodingException e) {
            throw new CompletionException(e);
        }
    }

    static AttestationLogEntry toWire(ChainedEntry c) {
        LogEntry e = c.entry();
        return AttestationLogEntry.newBuilder().setSeq(c.seq()).setPrevHash(ByteString.copyFrom(c.prevHash()))
                .setAtEpochMillis(e.at().toEpochMilli()).setHpc(e.hpc()).setKind(e.kind().name()).setSeverity(e.severity())
                .setEventId(e.eventId()).setMessage(e.message()).setDetail(e.detail()).build();
    }

    /** The DER inside "-----BEGIN PUBLIC KEY-----" PEM. */
    static byte[] spki(String pem) {
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }
}
