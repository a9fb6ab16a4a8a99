package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The format pinned byte for byte: a capsule sealed by the RFC 8032 TEST 1 owner with keys and a
 * nonce from a counter stream, written out as a test vector ({@code golden-v1.txt}: the signed bytes,
 * the additional data, the file, its id, the key) that another implementation can check itself
 * against. The file opens with the key, here and in {@code crosscheck.py}, a reader written in
 * Python from docs/capsules.md's tables over OpenSSL's Ed25519 and AES-GCM. Regenerate with
 * {@code -Dleo.golden.update=true}, which also writes the fuzz tests' seeds.
 */
class CapsuleGoldenTest {
    static final Path RESOURCES = Path.of("src/test/resources/org/leo/protocol/capsule");
    static final byte[] PLAINTEXT = "hello, capsule\n".getBytes(StandardCharsets.US_ASCII);

    static CapsuleSealer.Sealed golden() {
        return TestCapsules.deterministicSealer(TestCapsules.owner(), "leo-capsule-golden-v1")
                .seal(PLAINTEXT, CapsuleKind.DATA, TestCapsules.REQUIREMENTS, Terms.price(1000), "golden v1");
    }

    static String vector(CapsuleSealer.Sealed s) {
        HexFormat hex = HexFormat.of();
        CapsuleHeader h = s.capsule().header();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("owner-secret", TestCapsules.RFC8032_SECRET);
        v.put("owner", h.ownerHex());
        v.put("aes-key", hex.formatHex(s.aesKey()));
        v.put("nonce", hex.formatHex(h.nonce()));
        v.put("plaintext", hex.formatHex(PLAINTEXT));
        v.put("signed-bytes", hex.formatHex(h.signedBytes()));
        v.put("additional-data", hex.formatHex(h.additionalData()));
        v.put("signature", hex.formatHex(h.signature()));
        v.put("header", hex.formatHex(CapsuleHeaderCodec.encode(h)));
        v.put("file", hex.formatHex(CapsuleFile.encode(s.capsule())));
        v.put("capsule-id", CapsuleFile.id(s.capsule()).hex());
        StringBuilder b = new StringBuilder("# The capsule format v1 test vector (docs/capsules.md), made by CapsuleGoldenTest.\n");
        v.forEach((k, x) -> b.append(k).append(' ').append(x).append('\n'));
        return b.toString();
    }

    @Test
    void theGoldenCapsuleIsByteForByteWhatThisCodeSeals() throws Exception {
        CapsuleSealer.Sealed s = golden();
        Path golden = RESOURCES.resolve("golden-v1.txt");
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.writeString(golden, vector(s));
            byte[] file = CapsuleFile.encode(s.capsule());
            for (String method : new String[] {"parseFile", "openFile"}) {
                Path d = Files.createDirectories(RESOURCES.resolve("CapsuleFileFuzzTestInputs").resolve(method));
                Files.write(d.resolve("golden-v1"), file);
            }
            Path d = Files.createDirectories(RESOURCES.resolve("CapsuleFileFuzzTestInputs").resolve("decodeHeader"));
            Files.write(d.resolve("golden-v1"), CapsuleHeaderCodec.encode(s.capsule().header()));
        }
        assertThat(golden).as("golden file (run with -Dleo.golden.update=true to create)").exists();
        assertThat(vector(s)).isEqualTo(Files.readString(golden));
    }

    /** What {@code crosscheck.py} prints for a capsule file and key: the plaintext in hex, or its refusal. */
    static String python(byte[] file, byte[] key) throws Exception {
        Process p = new ProcessBuilder("python3", RESOURCES.resolve("crosscheck.py").toString(), HexFormat.of().formatHex(file),
                HexFormat.of().formatHex(key)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + " " + out.strip();
    }

    static boolean pythonCryptographyInstalled() {
        try {
            return new ProcessBuilder("python3", "-c", "import cryptography").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void anIndependentReaderInPythonOpensWhatThisCodeSeals() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pythonCryptographyInstalled(), "python3 with the cryptography package is not installed");
        CapsuleSealer.Sealed s = golden();
        assertThat(python(CapsuleFile.encode(s.capsule()), s.aesKey())).isEqualTo("0 " + HexFormat.of().formatHex(PLAINTEXT));
        byte[] wrong = s.aesKey();
        wrong[0] ^= 1;
        assertThat(python(CapsuleFile.encode(s.capsule()), wrong)).startsWith("1 ").endsWith("InvalidTag");
        // default values (false, 0, "") are absent from proto3 bytes: the signed encoding has them anyway
        byte[] plaintext = new byte[1000];
        new java.util.Random(7).nextBytes(plaintext);
        CapsuleSealer.Sealed d = TestCapsules.sealer(TestCapsules.owner()).seal(plaintext, CapsuleKind.CODE,
                new Requirements(TestCapsules.IMAGE, Network.NONE, false, 0, 0), Terms.budget(0), "");
        assertThat(python(CapsuleFile.encode(d.capsule()), d.aesKey())).isEqualTo("0 " + HexFormat.of().formatHex(plaintext));
    }

    @Test
    void theGoldenFileOpensWithTheGoldenKey() throws Exception {
        Map<String, byte[]> v = new LinkedHashMap<>();
        for (String line : Files.readAllLines(RESOURCES.resolve("golden-v1.txt"))) {
            if (!line.startsWith("#")) {
                String[] f = line.split(" ");
                v.put(f[0], HexFormat.of().parseHex(f[1]));
            }
        }
        Capsule c = CapsuleFile.parse(v.get("file"), CapsuleLimits.DEFAULT);
        assertThat(CapsuleOpener.open(c, v.get("aes-key"))).isEqualTo(PLAINTEXT);
        assertThat(c.header().signedBytes()).isEqualTo(v.get("signed-bytes"));
        assertThat(c.header().additionalData()).isEqualTo(v.get("additional-data"));
        assertThat(ContentAddress.of(v.get("file")).bytes()).isEqualTo(v.get("capsule-id"));
        assertThat(new String(c.header().signedBytes(), 0, 15, StandardCharsets.US_ASCII)).isEqualTo("leo-capsule-v1\0");
    }
}
