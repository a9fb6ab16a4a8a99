package org.leo.agent;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The agent trusts exactly one CA: the appliance CA whose certificate's SHA-256 it was given on the
 * measured kernel command line ({@code leo.ca=}). The server must present its certificate and that CA
 * certificate; the server certificate must be signed by it, be valid, be for server authentication and
 * name the host the agent dialed.
 */
public final class PinnedServerTrust extends X509ExtendedTrustManager {
    private final String pinnedSha256;

    /** True for what a pin must be: the 64 hex digits of the CA certificate's SHA-256. */
    public static boolean isFingerprint(String s) {
        return s.matches("[0-9a-fA-F]{64}");
    }

    public PinnedServerTrust(String caSha256Hex) {
        if (!isFingerprint(caSha256Hex)) {
            throw new IllegalArgumentException("a CA fingerprint is 64 hex digits (SHA-256), got '" + caSha256Hex + "'");
        }
        this.pinnedSha256 = caSha256Hex.toLowerCase(Locale.ROOT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, engine == null ? null : engine.getPeerHost());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, socket == null ? null : socket.getInetAddress().getHostAddress());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, null);
    }

    void check(X509Certificate[] chain, String host) throws CertificateException {
        if (chain == null || chain.length < 2) {
            throw new CertificateException("the server must present its certificate and the appliance CA certificate");
        }
        X509Certificate ca = chain[chain.length - 1];
        String got = sha256(ca);
        if (!got.equals(pinnedSha256)) {
            throw new CertificateException("the server's CA has SHA-256 " + got + ", the pinned appliance CA is " + pinnedSha256);
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the server certificate is not signed by the appliance CA: " + e.getMessage());
        }
        leaf.checkValidity();
        List<String> eku = leaf.getExtendedKeyUsage();
        if (eku == null || !eku.contains("1.3.6.1.5.5.7.3.1")) {
            throw new CertificateException("the server certificate is not for server authentication");
        }
        if (host != null && !names(leaf).contains(host.toLowerCase(Locale.ROOT))) {
            throw new CertificateException("the server certificate names " + names(leaf) + ", not " + host);
        }
    }

    private static List<String> names(X509Certificate c) throws CertificateParsingException {
        Collection<List<?>> sans = c.getSubjectAlternativeNames();
        if (sans == null) {
            return List.of();
        }
        return sans.stream().map(l -> String.valueOf(l.get(1)).toLowerCase(Locale.ROOT)).toList();
    }

    static String sha256(X509Certificate c) throws CertificateException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("the agent accepts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("the agent accepts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the agent accepts no clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
