package org.leo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollmentGrpc;

/**
 * A man in the middle between the agent and the Pi, for real: a TLS server on loopback presents a
 * chain an attacker could hold, and the agent dials it as {@link Agent} does (grpc-netty, the
 * pinned trust manager, the host from {@code leo.server=}). Each test is named after the impostor
 * it shows refused and asserts the trust manager's sentence from the failed handshake. The
 * certificates are shaped as {@code ApplianceCa} issues them (same names, extensions and key type),
 * made here with BouncyCastle because the agent module does not see the appliance's CA code.
 */
class PinnedServerTrustTest {
    static final String CA_NAME = "CN=Leo appliance CA,O=Leo";
    static final String DIALLED = "127.0.0.1";

    KeyPair caKeys;
    X509Certificate ca;
    String pin;

    @BeforeEach
    void makeTheApplianceCa() throws Exception {
        caKeys = newKeyPair();
        ca = selfSignedCa(caKeys);
        pin = PinnedServerTrust.sha256(ca);
    }

    @Test
    void theRealServerCertificateIsAccepted() throws Exception {
        // The control: with the chain the Pi presents, the handshake succeeds and the call reaches
        // the server (which implements nothing here), so every refusal below is the trust manager's.
        KeyPair server = newKeyPair();
        X509Certificate leaf = leaf(caKeys.getPrivate(), ca, server.getPublic(), "CN=Leo attestation server,O=Leo",
                KeyPurposeId.id_kp_serverAuth, DIALLED);
        assertThatThrownBy(() -> dial(server.getPrivate(), leaf, ca)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }

    @Test
    void aServerCertificateSignedByAnotherKeyUnderTheApplianceCasNameIsRefused() throws Exception {
        // The attacker presents the real, pinned CA certificate (public) and a leaf that names it as
        // issuer and says all the right things, but signed with the attacker's own key.
        KeyPair impostor = newKeyPair();
        X509Certificate impostorCa = selfSignedCa(impostor);
        assertThat(impostorCa.getSubjectX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        KeyPair server = newKeyPair();
        X509Certificate leaf = leaf(impostor.getPrivate(), ca, server.getPublic(), "CN=Leo attestation server,O=Leo",
                KeyPurposeId.id_kp_serverAuth, DIALLED);
        assertThat(refusal(server.getPrivate(), leaf, ca))
                .isEqualTo("the server certificate is not signed by the appliance CA: Signature does not match.");
        // With its own CA certificate at the end of the chain, the pin refuses it first.
        assertThat(refusal(server.getPrivate(), leaf, impostorCa)).isEqualTo("the server's CA has SHA-256 "
                + PinnedServerTrust.sha256(impostorCa) + ", the pinned appliance CA is " + pin);
    }

    @Test
    void anHpcsClientCertificateCannotImpersonateThePi() throws Exception {
        // Another HPC's owner holds a genuine certificate from the appliance CA and its key: the one
        // its agent enrolled with (clientAuth only, CN = its MAC).
        KeyPair hpc = newKeyPair();
        X509Certificate client = leaf(caKeys.getPrivate(), ca, hpc.getPublic(), "CN=52:54:00:77:00:66,O=Leo HPC",
                KeyPurposeId.id_kp_clientAuth, null);
        assertThat(refusal(hpc.getPrivate(), client, ca)).isEqualTo("the server certificate is not for server authentication");
        // Even one that also named the dialled address would be refused for its purpose.
        X509Certificate withSan = leaf(caKeys.getPrivate(), ca, hpc.getPublic(), "CN=52:54:00:77:00:66,O=Leo HPC",
                KeyPurposeId.id_kp_clientAuth, DIALLED);
        assertThat(refusal(hpc.getPrivate(), withSan, ca)).isEqualTo("the server certificate is not for server authentication");
    }

    @Test
    void aServerCertificateForAnotherHostIsRefused() throws Exception {
        // A genuine server certificate of the appliance CA (say, the Pi of another rack, or the
        // Pi's own certificate replayed by a machine that stole its key) for an address the agent
        // did not dial.
        KeyPair server = newKeyPair();
        X509Certificate other = leaf(caKeys.getPrivate(), ca, server.getPublic(), "CN=Leo attestation server,O=Leo",
                KeyPurposeId.id_kp_serverAuth, "10.77.0.1");
        assertThat(refusal(server.getPrivate(), other, ca)).isEqualTo("the server certificate names [10.77.0.1], not 127.0.0.1");
        X509Certificate noSan = leaf(caKeys.getPrivate(), ca, server.getPublic(), "CN=127.0.0.1", KeyPurposeId.id_kp_serverAuth, null);
        assertThat(refusal(server.getPrivate(), noSan, ca)).isEqualTo("the server certificate names [], not 127.0.0.1");
    }

    @Test
    void theApplianceCasOwnCertificateAsServerCertificateIsRefused() throws Exception {
        // Whoever holds the CA key could mint anything; the point is that the CA certificate itself
        // is no server certificate (no serverAuth purpose), so it never stands in for one.
        assertThat(refusal(caKeys.getPrivate(), ca, ca)).isEqualTo("the server certificate is not for server authentication");
        assertThat(refusal(caKeys.getPrivate(), ca)).isEqualTo("the server must present its certificate and the appliance CA certificate");
    }

    /** The CertificateException the agent's trust manager threw in the handshake with a server presenting {@code chain}. */
    String refusal(PrivateKey key, X509Certificate... chain) throws Exception {
        try {
            dial(key, chain);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertificateException ce) {
                    return ce.getMessage();
                }
            }
            throw new AssertionError("the handshake failed, but not in the trust manager", e);
        }
        throw new AssertionError("the agent completed a call with a server presenting " + chain[0].getSubjectX500Principal());
    }

    /** Runs a TLS server on loopback with {@code chain}; the agent, pinning the appliance CA, makes one call to it. */
    void dial(PrivateKey key, X509Certificate... chain) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(DIALLED, 0),
                TlsServerCredentials.newBuilder().keyManager(new AsIs(key, chain)).build()).build().start();
        ManagedChannel ch = NettyChannelBuilder.forAddress(DIALLED, server.getPort(), TlsChannelCredentials.newBuilder()
                .trustManager(new PinnedServerTrust(pin)).build()).build();
        try {
            EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS).enroll(EnrollRequest.getDefaultInstance());
        } finally {
            ch.shutdownNow();
            server.shutdownNow();
            ch.awaitTermination(10, TimeUnit.SECONDS);
            server.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Presents {@code chain} exactly as given (the JDK's key store would refuse a chain such as [CA, CA]). */
    static final class AsIs extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        AsIs(PrivateKey key, X509Certificate... chain) {
            this.key = key;
            this.chain = chain.clone();
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return "leo";
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return "leo";
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return new String[] {"leo"};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[0];
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    static KeyPair newKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** A CA certificate as ApplianceCa makes it: same name, CA basic constraints, cert-signing key usage. */
    static X509Certificate selfSignedCa(KeyPair kp) throws Exception {
        X500Name name = new X500Name(CA_NAME);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        return sign(b, kp.getPrivate());
    }

    /** A leaf naming {@code issuer} as its issuer, signed by {@code signer}, for {@code purpose}, with {@code host} as SAN (none if null). */
    static X509Certificate leaf(PrivateKey signer, X509Certificate issuer, PublicKey subject, String dn, KeyPurposeId purpose, String host)
            throws Exception {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(), from(), until(), new X500Name(dn), subject);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        if (host != null) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.iPAddress, host)));
        }
        return sign(b, signer);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static BigInteger serial() {
        return new BigInteger(127, new java.security.SecureRandom()).setBit(126);
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofMinutes(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(Duration.ofHours(1)));
    }
}
