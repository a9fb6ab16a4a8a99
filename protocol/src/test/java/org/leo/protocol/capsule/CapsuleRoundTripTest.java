package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seal, write, read, check, open: the plaintext comes back, for the edge sizes and a MiB. */
class CapsuleRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, 15, 16, 17, 4096, 1 << 20})
    void sealedPlaintextComesBackThroughTheFile(int size) throws Exception {
        byte[] plaintext = new byte[size];
        new Random(size).nextBytes(plaintext);
        CapsuleSealer.Sealed sealed = TestCapsules.seal(plaintext);
        CapsuleHeader h = sealed.capsule().header();
        assertThat(h.plaintextSize()).isEqualTo(size);
        assertThat(sealed.capsule().payloadLength()).isEqualTo(size + CapsuleOpener.TAG_BYTES);
        assertThat(h.owner()).isEqualTo(java.util.HexFormat.of().parseHex(TestCapsules.RFC8032_PUBLIC));
        assertThat(CapsuleOpener.signatureValid(h)).isTrue();

        Path file = dir.resolve("c.capsule");
        CapsuleFile.write(file, sealed.capsule());
        assertThat(Files.size(file)).isEqualTo(CapsuleFile.size(sealed.capsule()));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(CapsuleFile.MODE);
        Capsule read = CapsuleFile.read(file, CapsuleLimits.DEFAULT);
        assertThat(read.header()).isEqualTo(h);
        assertThat(CapsuleFile.id(read)).isEqualTo(ContentAddress.of(Files.readAllBytes(file)));
        assertThat(CapsuleOpener.open(read, sealed.aesKey())).isEqualTo(plaintext);
    }

    @Test
    void everyCapsuleHasItsOwnKeyAndNonceSoTheSamePlaintextSealsTwoWays() throws Exception {
        byte[] plaintext = "the same data".getBytes(StandardCharsets.US_ASCII);
        CapsuleSealer.Sealed a = TestCapsules.seal(plaintext);
        CapsuleSealer.Sealed b = TestCapsules.seal(plaintext);
        assertThat(a.aesKey()).isNotEqualTo(b.aesKey());
        assertThat(a.capsule().header().nonce()).isNotEqualTo(b.capsule().header().nonce());
        assertThat(a.capsule().header().payload()).isNotEqualTo(b.capsule().header().payload());
        assertThat(a.capsule().header().plaintextSha256()).isEqualTo(b.capsule().header().plaintextSha256());
        assertThat(CapsuleOpener.open(b.capsule(), b.aesKey())).isEqualTo(plaintext);
    }

    @Test
    void theHeaderSaysWhatTheSealerWasGiven() {
        CapsuleSealer.Sealed s = TestCapsules.sealer(TestCapsules.owner()).seal(new byte[3], CapsuleKind.CODE,
                new Requirements(TestCapsules.IMAGE, Network.NONE, false, 7, 9), Terms.budget(12), "job #1");
        CapsuleHeader h = s.capsule().header();
        assertThat(h.kind()).isEqualTo(CapsuleKind.CODE);
        assertThat(h.requirements()).isEqualTo(new Requirements(TestCapsules.IMAGE, Network.NONE, false, 7, 9));
        assertThat(h.terms()).isEqualTo(Terms.budget(12));
        assertThat(h.label()).isEqualTo("job #1");
        assertThat(h.createdAt()).isEqualTo(TestCapsules.SEALED_AT);
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.payload()).isEqualTo(s.capsule().payloadAddress());
        assertThat(s.toString()).doesNotContain(java.util.HexFormat.of().formatHex(s.aesKey()));
    }

    @Test
    void aSignerWhoseSignatureDoesNotVerifyIsCaughtAtSealing() {
        CapsuleOwner honest = TestCapsules.owner();
        CapsuleOwner liar = new CapsuleOwner() {
            @Override
            public byte[] publicKey() {
                return honest.publicKey();
            }

            @Override
            public byte[] sign(CapsuleHeader unsigned) {
                return CapsuleOwner.of(TestCapsules.freshPair()).sign(unsigned);
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestCapsules.sealer(liar).seal(new byte[1], CapsuleKind.DATA,
                        TestCapsules.REQUIREMENTS, Terms.price(1), ""))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not verify under its public key");
    }

    @Test
    void labelsArePrintableAsciiOfAtMost128Characters() {
        CapsuleSealer s = TestCapsules.sealer(TestCapsules.owner());
        assertThat(s.seal(new byte[0], CapsuleKind.DATA, TestCapsules.REQUIREMENTS, Terms.price(0), "x".repeat(128))
                .capsule().header().label()).hasSize(128);
        for (String bad : new String[] {"x".repeat(129), "tab\there", "bell\u0007", "caf\u00e9", "\u202eevil"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.seal(new byte[0], CapsuleKind.DATA, TestCapsules.REQUIREMENTS,
                    Terms.price(0), bad)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("label: ");
        }
    }

    @Test
    void requirementsTakeOnlyADockerImageDigestAndCreditsThatAreNotNegative() {
        for (String bad : new String[] {"", "sha256:" + "AB".repeat(32), "sha256:" + "ab".repeat(31), "sha512:" + "ab".repeat(32),
                "debian:12", "sha256:" + "ab".repeat(32) + "\n"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Requirements.of(bad, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("image digest: ");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Requirements.of(TestCapsules.IMAGE, -1, 0))
                .hasMessageContaining("18446744073709551615");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Terms.price(-1)).hasMessageStartingWith("price: ");
    }
}
