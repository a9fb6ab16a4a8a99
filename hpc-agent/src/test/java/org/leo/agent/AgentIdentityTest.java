package org.leo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.ReleaseContext;

/**
 * The agent writes its certificate and CSR with its own DER code (Der): BouncyCastle, an
 * independent implementation, parses and verifies them here, and the agent's code is shown to run
 * with no BouncyCastle jar at all, as on the HPC.
 */
class AgentIdentityTest {
    @Test
    void theSelfSignedCertificateParsesAndVerifiesWithBouncyCastle() throws Exception {
        AgentIdentity id = AgentIdentity.generate("52:54:00:12:34:56");
        var cert = id.selfSigned();
        cert.verify(cert.getPublicKey()); // the JDK's own check of the self-signature
        assertThat(cert.getVersion()).isEqualTo(3);
        assertThat(cert.getSigAlgOID()).isEqualTo("1.2.840.10045.4.3.2");
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Leo HPC agent,CN=52:54:00:12:34:56");
        assertThat(cert.getNotBefore()).isBefore(new Date()).isAfter(Date.from(Instant.now().minusSeconds(120)));
        assertThat(cert.getNotAfter()).isAfter(Date.from(Instant.now().plus(Duration.ofHours(23))));
        assertThat(cert.getSerialNumber().signum()).isEqualTo(1);

        X509CertificateHolder bc = new X509CertificateHolder(cert.getEncoded());
        assertThat(bc.isSignatureValid(new JcaContentVerifierProviderBuilder().build(cert.getPublicKey()))).isTrue();
        assertThat(bc.getSubject()).isEqualTo(new X500Name("CN=52:54:00:12:34:56,O=Leo HPC agent"));
        assertThat(bc.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(cert.getPublicKey().getEncoded());
    }

    @Test
    void theCsrParsesAndVerifiesWithBouncyCastle() throws Exception {
        AgentIdentity id = AgentIdentity.generate("hpc one/2");
        PKCS10CertificationRequest csr = new PKCS10CertificationRequest(id.csr("hpc one/2"));
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(id.selfSigned().getPublicKey()))).isTrue();
        assertThat(csr.getSubject()).isEqualTo(new X500Name("CN=hpc_one_2"));
        assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(id.selfSigned().getPublicKey().getEncoded());
        assertThat(csr.getAttributes()).isEmpty();
        assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.2.840.10045.4.3.2");
    }

    @Test
    void lengthsInEveryFormReadBackWithBouncyCastle() throws Exception {
        for (int n : new int[] {0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 20}) {
            byte[] value = new byte[n];
            Arrays.fill(value, (byte) 7);
            ASN1Primitive p = ASN1Primitive.fromByteArray(Der.tlv(0x04, value));
            assertThat(((ASN1OctetString) p).getOctets()).as("length %d", n).isEqualTo(value);
        }
        ASN1Sequence seq = (ASN1Sequence) ASN1Primitive.fromByteArray(Der.sequence(Der.integer(BigInteger.valueOf(-129)),
                Der.integer(BigInteger.ONE.shiftLeft(63)), Der.tlv(Der.UTF8_STRING, "é".getBytes(StandardCharsets.UTF_8))));
        assertThat(seq.getObjectAt(0).toString()).isEqualTo("-129");
        assertThat(seq.getObjectAt(1).toString()).isEqualTo(BigInteger.ONE.shiftLeft(63).toString());
        assertThat(((ASN1UTF8String) seq.getObjectAt(2)).getString()).isEqualTo("é");
    }

    @Test
    void timesAreUtcTimeThrough2049AndGeneralizedTimeFrom2050() throws Exception {
        Instant y2049 = Instant.parse("2049-12-31T23:59:59Z");
        Instant y2050 = Instant.parse("2050-01-01T00:00:00Z");
        ASN1Encodable a = ASN1Primitive.fromByteArray(Der.time(y2049));
        ASN1Encodable b = ASN1Primitive.fromByteArray(Der.time(y2050));
        assertThat(a).isInstanceOf(ASN1UTCTime.class);
        assertThat(((ASN1UTCTime) a).getAdjustedDate().toInstant()).isEqualTo(y2049);
        assertThat(b).isInstanceOf(ASN1GeneralizedTime.class);
        assertThat(((ASN1GeneralizedTime) b).getDate().toInstant()).isEqualTo(y2050);
    }

    @Test
    void anIssuedChainForAnotherKeyIsRefused() throws Exception {
        AgentIdentity a = AgentIdentity.generate("a");
        AgentIdentity b = AgentIdentity.generate("b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.setIssued(new java.security.cert.X509Certificate[] {b.selfSigned()}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another key");
    }

    /**
     * Generates an identity, a CSR and an evidence signature, and opens a capsule key sealed to the
     * identity's key: run in a JVM without BouncyCastle.
     */
    public static final class WithoutBouncyCastle {
        public static void main(String[] args) throws Exception {
            AgentIdentity id = AgentIdentity.generate("52:54:00:00:00:09");
            id.csr("52:54:00:00:00:09");
            EvidenceSignature.sign(id.privateKey(), new byte[] {1, 2, 3});
            byte[] context = ReleaseContext.of("task-1", new byte[32], id.selfSigned()).encode();
            byte[] sealed = AgentKeyWrap.seal(id.selfSigned().getPublicKey(), new byte[32], context);
            AgentKeyWrap.open(id.privateKey(), sealed, context);
            boolean present = isLoadable("org.bouncycastle.jce.provider.BouncyCastleProvider");
            System.out.println("ok bouncycastle-on-class-path=" + present);
        }

        static boolean isLoadable(String name) {
            try {
                Class.forName(name, false, WithoutBouncyCastle.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException e) {
                return false;
            }
        }
    }

    @Test
    void theAgentsCryptoRunsWithNoBouncyCastleJarOnItsClassPath() throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("bouncycastle") && !e.contains("bcprov") && !e.contains("bcpkix") && !e.contains("bcutil"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(cp).doesNotContain("bcprov");
        Process p = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", cp,
                WithoutBouncyCastle.class.getName()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.toString()).contains("ok bouncycastle-on-class-path=false");
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void evidenceSignedByTheAgentVerifiesOnTheAppliancesPath() throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var kp = g.generateKeyPair();
        byte[] body = "evidence".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = EvidenceSignature.sign(kp.getPrivate(), body);
        assertThat(EvidenceSignature.verify(EvidenceSignature.verifierKey(kp.getPublic()), body, sig)).isTrue();
        body[0] ^= 1;
        assertThat(EvidenceSignature.verify(EvidenceSignature.verifierKey(kp.getPublic()), body, sig)).isFalse();
    }
}
