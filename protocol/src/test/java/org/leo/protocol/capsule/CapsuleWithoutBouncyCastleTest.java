package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The HPC agent's runtime has no BouncyCastle (hpc-agent/pom.xml excludes it), and it must open
 * capsules: this seals, parses, checks and opens one in a class loader that sees only this module's
 * classes and protobuf-java, over the JDK's own providers. A class of the capsule path that touched
 * BouncyCastle would fail here with NoClassDefFoundError.
 */
class CapsuleWithoutBouncyCastleTest {
    /** Run inside the isolated loader: the whole path with JCA keys only. */
    public static String roundTrip() throws Exception {
        CapsuleSealer.Sealed s = TestCapsules.sealer(CapsuleOwner.of(TestCapsules.freshPair())).seal("no BouncyCastle".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII), CapsuleKind.DATA, TestCapsules.REQUIREMENTS, Terms.price(1), "agent");
        Capsule c = CapsuleFile.parse(CapsuleFile.encode(s.capsule()), CapsuleLimits.DEFAULT);
        String opened = new String(CapsuleOpener.open(c, s.aesKey()), java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider");
            return "BouncyCastle is visible: the test proves nothing";
        } catch (ClassNotFoundException expected) {
            return opened;
        }
    }

    /** The agent's side of a result capsule and the owner's (with a JCA key for the TPM) in the isolated loader. */
    public static String resultRoundTrip() throws Exception {
        byte[] file = ResultSealer.seal("no BouncyCastle".getBytes(java.nio.charset.StandardCharsets.US_ASCII), ResultCapsule.Part.RESULT, 3,
                ResultKeys.RECIPIENT, ResultKeys.AGENT, ResultKeys.AGENT_KEY);
        byte[] plain = ResultOpener.open(ResultCapsule.parse(file, 1 << 20), 3, ResultCapsule.Part.RESULT, ResultKeys.AGENT,
                ResultKeys.RECIPIENT_SPKI, ResultKeys::unwrap);
        for (String c : new String[] {"org.bouncycastle.jce.provider.BouncyCastleProvider", "tss.Tpm"}) {
            try {
                Class.forName(c);
                return c + " is visible: the test proves nothing";
            } catch (ClassNotFoundException expected) {
                // as it must be
            }
        }
        return new String(plain, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void resultCapsulesNeedNeitherBouncyCastleNorTssJava() throws Exception {
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {location(CapsuleOpener.class), location(CapsuleWithoutBouncyCastleTest.class),
                location(com.google.protobuf.Message.class)}, ClassLoader.getPlatformClassLoader())) {
            java.lang.reflect.Method m = isolated.loadClass(CapsuleWithoutBouncyCastleTest.class.getName()).getMethod("resultRoundTrip");
            m.setAccessible(true);
            assertThat(m.invoke(null)).isEqualTo("no BouncyCastle");
        }
    }

    @Test
    void sealAndOpenNeedNoBouncyCastle() throws Exception {
        URL classes = location(CapsuleOpener.class);
        URL testClasses = location(CapsuleWithoutBouncyCastleTest.class);
        URL protobuf = location(com.google.protobuf.Message.class);
        assertThat(Path.of(protobuf.toURI()).getFileName().toString()).startsWith("protobuf-java");
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {classes, testClasses, protobuf}, ClassLoader.getPlatformClassLoader())) {
            Class<?> probe = isolated.loadClass(CapsuleWithoutBouncyCastleTest.class.getName());
            assertThat(probe.getClassLoader()).isSameAs(isolated);
            java.lang.reflect.Method roundTrip = probe.getMethod("roundTrip");
            roundTrip.setAccessible(true); // the class is package-private, and in another loader's package
            assertThat(roundTrip.invoke(null)).isEqualTo("no BouncyCastle");
        }
    }

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }
}
