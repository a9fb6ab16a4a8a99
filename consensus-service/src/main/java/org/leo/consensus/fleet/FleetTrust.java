package org.leo.consensus.fleet;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which peers a Pi's TLS layer accepts, decided in the handshake and refused with a reason and a
 * counter ({@link Refusals}); the handshake then fails with a {@link CertificateException} carrying
 * the same sentence. There is no CA: a peer is its Ed25519 key ({@link MemberCertificate}).
 *
 * <ul>
 * <li>{@link #clients}: a server accepts a client whose key is an admitted member on the ledger or
 *     is listed in the static peer list ({@code UNKNOWN_CERTIFICATE}, {@code NOT_A_MEMBER}).</li>
 * <li>{@link #server}: a client accepts the server it dialled only if the server's key is the one
 *     the peer list names for that address ({@code WRONG_PEER}). Host names play no part: extending
 *     {@link X509ExtendedTrustManager} keeps JSSE from checking them.</li>
 * </ul>
 */
public final class FleetTrust extends X509ExtendedTrustManager {
    private final Predicate<String> accepted;
    private final byte[] expectedServer;
    private final Refusals refusals;

    private FleetTrust(Predicate<String> accepted, byte[] expectedServer, Refusals refusals) {
        this.accepted = accepted;
        this.expectedServer = expectedServer;
        this.refusals = refusals;
    }

    /** A server's trust: clients whose member key (hex) passes {@code isMember}. */
    public static FleetTrust clients(Predicate<String> isMember, Refusals refusals) {
        return new FleetTrust(isMember, null, refusals);
    }

    /** A client's trust in the one server it dialled: the member {@code expected}. */
    public static FleetTrust server(byte[] expected, Refusals refusals) {
        return new FleetTrust(null, expected.clone(), refusals);
    }

    private byte[] member(X509Certificate[] chain, String peer) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw refuse(FleetRefusal.UNKNOWN_CERTIFICATE, peer, "a member presents exactly one self-signed certificate, got "
                    + (chain == null ? "none" : chain.length));
        }
        try {
            return MemberCertificate.memberKey(chain[0]);
        } catch (CertificateException e) {
            throw refuse(FleetRefusal.UNKNOWN_CERTIFICATE, peer, e.getMessage());
        }
    }

    private void checkClient(X509Certificate[] chain, String peer) throws CertificateException {
        if (accepted == null) {
            throw refuse(FleetRefusal.UNKNOWN_CERTIFICATE, peer, "this side of the connection accepts no clients");
        }
        String key = HexFormat.of().formatHex(member(chain, peer));
        if (!accepted.test(key)) {
            throw refuse(FleetRefusal.NOT_A_MEMBER, peer, "member key " + key + " is neither admitted on the ledger nor in the static peer list");
        }
    }

    private void checkServer(X509Certificate[] chain, String peer) throws CertificateException {
        if (expectedServer == null) {
            throw refuse(FleetRefusal.WRONG_PEER, peer, "this side of the connection dials no servers");
        }
        byte[] key = member(chain, peer);
        if (!Arrays.equals(key, expectedServer)) {
            throw refuse(FleetRefusal.WRONG_PEER, peer, "the server at " + peer + " is member " + HexFormat.of().formatHex(key)
                    + ", the peer list names " + HexFormat.of().formatHex(expectedServer));
        }
    }

    private CertificateException refuse(FleetRefusal reason, String peer, String why) {
        refusals.refused(reason, peer, why);
        return new CertificateException(reason + ": " + why);
    }

    private static String peer(SSLEngine engine) {
        return engine == null || engine.getPeerHost() == null ? "unknown peer" : engine.getPeerHost() + ":" + engine.getPeerPort();
    }

    private static String peer(Socket socket) {
        return socket == null ? "unknown peer" : String.valueOf(socket.getRemoteSocketAddress());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClient(chain, peer(engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClient(chain, peer(socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain, "unknown peer");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServer(chain, peer(engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServer(chain, peer(socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServer(chain, "unknown peer");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
