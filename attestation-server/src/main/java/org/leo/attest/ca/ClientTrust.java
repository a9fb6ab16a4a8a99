package org.leo.attest.ca;

import java.math.BigInteger;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides which client certificates the TLS layer accepts, and says why it refuses one: the
 * refusal listener gets the peer and a sentence, the handshake fails with a
 * {@link CertificateException} carrying the same sentence.
 *
 * <ul>
 * <li>{@link #caIssued}: the attestation port. The leaf must be signed by the appliance CA, be
 *     within its validity, carry the clientAuth purpose and not be revoked.</li>
 * <li>{@link #selfSigned}: the enrollment port. The agent has no CA certificate yet; it shows a
 *     self-signed certificate over its fresh EC P-256 key, and the enrollment call then checks that
 *     the CSR is over the same key.</li>
 * </ul>
 */
public final class ClientTrust extends X509ExtendedTrustManager {
    /** Longest chain a client may present; ours are one or two certificates. */
    static final int MAX_CHAIN = 3;

    private final X509Certificate ca;
    private final RevocationList revocations;
    private final Clock clock;
    private final BiConsumer<String, String> refusals;

    private ClientTrust(X509Certificate ca, RevocationList revocations, Clock clock, BiConsumer<String, String> refusals) {
        this.ca = ca;
        this.revocations = revocations;
        this.clock = clock;
        this.refusals = Objects.requireNonNull(refusals);
    }

    /** Accepts only unrevoked, unexpired client certificates issued by {@code ca}. {@code refusals} gets (peer, why). */
    public static ClientTrust caIssued(X509Certificate ca, RevocationList revocations, Clock clock,
                                       BiConsumer<String, String> refusals) {
        return new ClientTrust(Objects.requireNonNull(ca), Objects.requireNonNull(revocations), clock, refusals);
    }

    /** Accepts a valid self-signed EC P-256 certificate (enrollment). */
    public static ClientTrust selfSigned(Clock clock, BiConsumer<String, String> refusals) {
        return new ClientTrust(null, null, clock, refusals);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, engine == null ? "unknown peer" : engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, socket == null ? "unknown peer" : String.valueOf(socket.getRemoteSocketAddress()));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "unknown peer");
    }

    private void check(X509Certificate[] chain, String peer) throws CertificateException {
        String why = reasonToRefuse(chain);
        if (why != null) {
            refusals.accept(peer, why);
            throw new CertificateException(why);
        }
    }

    /** Why {@code chain} is refused, or null if it is accepted. */
    String reasonToRefuse(X509Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            return "no client certificate";
        }
        if (chain.length > MAX_CHAIN) {
            return "client certificate chain of " + chain.length + " certificates, at most " + MAX_CHAIN;
        }
        X509Certificate leaf = chain[0];
        String who = describe(leaf);
        try {
            leaf.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            return "client certificate " + who + " expired at " + leaf.getNotAfter().toInstant();
        } catch (CertificateNotYetValidException e) {
            return "client certificate " + who + " is not valid before " + leaf.getNotBefore().toInstant();
        }
        if (ca == null) {
            if (!(leaf.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                return "enrollment certificate " + who + " is not over an EC P-256 key";
            }
            try {
                leaf.verify(leaf.getPublicKey());
            } catch (GeneralSecurityException e) {
                return "enrollment certificate " + who + " is not self-signed: " + e.getMessage();
            }
            return null;
        }
        if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return "client certificate " + who + " was issued by '" + leaf.getIssuerX500Principal().getName()
                    + "', not by the appliance CA";
        }
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            return "client certificate " + who + " does not carry the appliance CA's signature (" + e.getMessage() + ")";
        }
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku == null || !eku.contains("1.3.6.1.5.5.7.3.2")) {
                return "client certificate " + who + " is not for client authentication";
            }
        } catch (CertificateException e) {
            return "client certificate " + who + " has an unreadable extended key usage";
        }
        BigInteger serial = leaf.getSerialNumber();
        return revocations.lookup(serial)
                .map(r -> "client certificate " + who + " was revoked at " + r.at() + ": " + r.reason())
                .orElse(null);
    }

    static String describe(X509Certificate c) {
        return "'" + c.getSubjectX500Principal().getName() + "' (serial " + c.getSerialNumber().toString(16) + ")";
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("this trust manager only checks clients");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("this trust manager only checks clients");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only checks clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca == null ? new X509Certificate[0] : new X509Certificate[] {ca};
    }
}
