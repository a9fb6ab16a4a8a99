package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a capsule can be altered, each refused with its own reason: a header field (the
 * signature breaks; re-signed by the owner, the GCM tag still breaks, because the header is the
 * additional data), the payload and its tag, the signature, a payload moved under another header, a
 * wrong key, an owner whose header lies about the plaintext, and every bit of a capsule file.
 */
class CapsuleTamperTest {
    private static final KeyPair OWNER_PAIR = TestCapsules.rfc8032Pair();
    private static final CapsuleOwner OWNER = CapsuleOwner.of(OWNER_PAIR);
    private static final KeyPair OTHER_PAIR = TestCapsules.freshPair();
    private static final byte[] PLAINTEXT = "the owner's secret data".getBytes(StandardCharsets.US_ASCII);
    private static final CapsuleSealer.Sealed SEALED = TestCapsules.sealer(OWNER).seal(PLAINTEXT, CapsuleKind.DATA,
            TestCapsules.REQUIREMENTS, Terms.price(1000), "test data");

    /**
     * One header field changed, and what opening says when the owner re-signs the changed header:
     * its new signature is valid, but the payload was sealed under the old header.
     */
    record FieldChange(String field, Consumer<HeaderEdit> change, CapsuleProblem whenReSigned) {
        @Override
        public String toString() {
            return field;
        }
    }

    static Stream<FieldChange> fieldChanges() {
        return Stream.of(
                new FieldChange("owner", e -> e.owner = JcaEd25519.raw(OTHER_PAIR.getPublic()), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("kind", e -> e.kind = CapsuleKind.CODE, CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("payload_sha256", e -> e.payload = ContentAddress.of(new byte[1]), CapsuleProblem.PAYLOAD_DIGEST_MISMATCH),
                new FieldChange("plaintext_sha256", e -> e.plaintextSha256 = HeaderEdit.flip(e.plaintextSha256, 31), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("plaintext_size", e -> e.plaintextSize++, CapsuleProblem.PAYLOAD_SIZE_MISMATCH),
                new FieldChange("nonce", e -> e.nonce = HeaderEdit.flip(e.nonce, 0), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("image_digest", e -> e.image = "sha256:" + "cd".repeat(32), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("cleanup_required", e -> e.cleanup = !e.cleanup, CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("min_executor_credit", e -> e.minExecutor = 0, CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("min_monitor_credit", e -> e.minMonitor = 51, CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("price (to budget)", e -> e.terms = Terms.budget(e.terms.amount()), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("price (amount)", e -> e.terms = Terms.price(1), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("created_unix_millis", e -> e.createdAt = e.createdAt.plusMillis(1), CapsuleProblem.DECRYPTION_FAILED),
                new FieldChange("label", e -> e.label = "test date", CapsuleProblem.DECRYPTION_FAILED));
    }

    private static CapsuleProblem refusal(Capsule c, byte[] key) {
        try {
            CapsuleOpener.open(c, key);
        } catch (CapsuleException e) {
            assertThat(e.getMessage()).startsWith(e.problem().code() + ": " + e.problem().sentence());
            return e.problem();
        }
        throw new AssertionError("opened: " + c);
    }

    private static CapsuleHeader signedBy(KeyPair owner, CapsuleHeader h) {
        CapsuleHeader unsigned = h.withSignature(new byte[0]);
        return unsigned.withSignature(CapsuleOwner.of(owner).sign(unsigned));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fieldChanges")
    void aChangedHeaderFieldBreaksTheSignatureAndReSigningDoesNotHelp(FieldChange f) throws Exception {
        CapsuleHeader forged = HeaderEdit.changed(SEALED.capsule().header(), f.change());
        assertThat(forged).isNotEqualTo(SEALED.capsule().header());
        Capsule c = new Capsule(forged, SEALED.capsule().payloadBytes());
        assertThat(refusal(c, SEALED.aesKey())).isEqualTo(CapsuleProblem.BAD_SIGNATURE);
        // the same through the file: it parses (the change is well formed) and is refused when opened
        byte[] file = CapsuleFile.encode(c);
        if (f.whenReSigned() != CapsuleProblem.PAYLOAD_SIZE_MISMATCH) {
            assertThat(refusal(CapsuleFile.parse(file, CapsuleLimits.DEFAULT), SEALED.aesKey())).isEqualTo(CapsuleProblem.BAD_SIGNATURE);
        }

        KeyPair signer = f.field().equals("owner") ? OTHER_PAIR : OWNER_PAIR;
        Capsule reSigned = new Capsule(signedBy(signer, forged), SEALED.capsule().payloadBytes());
        assertThat(CapsuleOpener.signatureValid(reSigned.header())).isTrue();
        assertThat(refusal(reSigned, SEALED.aesKey())).isEqualTo(f.whenReSigned());
    }

    @Test
    void theUntouchedCapsuleOpens() throws Exception {
        assertThat(CapsuleOpener.open(SEALED.capsule(), SEALED.aesKey())).isEqualTo(PLAINTEXT);
        assertThat(CapsuleOpener.open(CapsuleFile.parse(CapsuleFile.encode(SEALED.capsule()), CapsuleLimits.DEFAULT), SEALED.aesKey()))
                .isEqualTo(PLAINTEXT);
    }

    @Test
    void anyChangedPayloadByteIsNotTheContentAddress() {
        byte[] payload = SEALED.capsule().payloadBytes();
        for (int i = 0; i < payload.length; i++) {
            Capsule c = new Capsule(SEALED.capsule().header(), HeaderEdit.flip(payload, i));
            assertThat(refusal(c, SEALED.aesKey())).as("byte %d", i).isEqualTo(CapsuleProblem.PAYLOAD_DIGEST_MISMATCH);
        }
    }

    @Test
    void aChangedCiphertextOrTagUnderAReSignedHeaderFailsTheGcmTag() {
        byte[] payload = SEALED.capsule().payloadBytes();
        for (int i : new int[] {0, PLAINTEXT.length - 1, PLAINTEXT.length, payload.length - 1}) {
            byte[] altered = HeaderEdit.flip(payload, i);
            CapsuleHeader h = signedBy(OWNER_PAIR, SEALED.capsule().header().withPayload(ContentAddress.of(altered)));
            assertThat(refusal(new Capsule(h, altered), SEALED.aesKey())).as("byte %d", i).isEqualTo(CapsuleProblem.DECRYPTION_FAILED);
        }
    }

    @Test
    void aShortenedOrLengthenedPayloadIsNotThePlaintextSizePlusTheTag() {
        byte[] payload = SEALED.capsule().payloadBytes();
        assertThat(refusal(new Capsule(SEALED.capsule().header(), java.util.Arrays.copyOf(payload, payload.length - 1)), SEALED.aesKey()))
                .isEqualTo(CapsuleProblem.PAYLOAD_SIZE_MISMATCH);
        assertThat(refusal(new Capsule(SEALED.capsule().header(), java.util.Arrays.copyOf(payload, payload.length + 1)), SEALED.aesKey()))
                .isEqualTo(CapsuleProblem.PAYLOAD_SIZE_MISMATCH);
    }

    @Test
    void aChangedOrForeignSignatureDoesNotVerify() {
        CapsuleHeader h = SEALED.capsule().header();
        for (int i : new int[] {0, 31, 32, 63}) {
            Capsule c = new Capsule(h.withSignature(HeaderEdit.flip(h.signature(), i)), SEALED.capsule().payloadBytes());
            assertThat(refusal(c, SEALED.aesKey())).as("byte %d", i).isEqualTo(CapsuleProblem.BAD_SIGNATURE);
        }
        CapsuleHeader foreign = signedBy(OTHER_PAIR, h);
        assertThat(refusal(new Capsule(foreign, SEALED.capsule().payloadBytes()), SEALED.aesKey())).isEqualTo(CapsuleProblem.BAD_SIGNATURE);
        assertThat(refusal(new Capsule(h.withSignature(new byte[64]), SEALED.capsule().payloadBytes()), SEALED.aesKey()))
                .isEqualTo(CapsuleProblem.BAD_SIGNATURE);
        assertThat(refusal(new Capsule(h.withSignature(new byte[0]), SEALED.capsule().payloadBytes()), SEALED.aesKey()))
                .isEqualTo(CapsuleProblem.BAD_SIGNATURE);
    }

    @Test
    void aPayloadMovedUnderAnotherHeaderIsRefusedEvenWhenTheOwnerReSignsIt() {
        CapsuleSealer.Sealed other = TestCapsules.sealer(OWNER).seal("another secret, same length".substring(0, PLAINTEXT.length)
                .getBytes(StandardCharsets.US_ASCII), CapsuleKind.DATA, TestCapsules.REQUIREMENTS, Terms.price(1000), "test data");
        byte[] moved = SEALED.capsule().payloadBytes();
        assertThat(refusal(new Capsule(other.capsule().header(), moved), SEALED.aesKey())).isEqualTo(CapsuleProblem.PAYLOAD_DIGEST_MISMATCH);

        CapsuleHeader reSigned = signedBy(OWNER_PAIR, other.capsule().header().withPayload(ContentAddress.of(moved)));
        assertThat(refusal(new Capsule(reSigned, moved), SEALED.aesKey())).isEqualTo(CapsuleProblem.DECRYPTION_FAILED);
        assertThat(refusal(new Capsule(reSigned, moved), other.aesKey())).isEqualTo(CapsuleProblem.DECRYPTION_FAILED);
    }

    @Test
    void aWrongKeyDoesNotDecryptAndAKeyOfTheWrongLengthIsNoKey() {
        assertThat(refusal(SEALED.capsule(), HeaderEdit.flip(SEALED.aesKey(), 0))).isEqualTo(CapsuleProblem.DECRYPTION_FAILED);
        assertThat(refusal(SEALED.capsule(), TestCapsules.seal(new byte[1]).aesKey())).isEqualTo(CapsuleProblem.DECRYPTION_FAILED);
        assertThat(refusal(SEALED.capsule(), new byte[16])).isEqualTo(CapsuleProblem.BAD_KEY);
        assertThat(refusal(SEALED.capsule(), new byte[33])).isEqualTo(CapsuleProblem.BAD_KEY);
        assertThat(refusal(SEALED.capsule(), null)).isEqualTo(CapsuleProblem.BAD_KEY);
    }

    /** Only the owner can do this (it holds the key and signs): the check catches its false claim anyway. */
    @Test
    void anOwnerWhoseHeaderLiesAboutThePlaintextIsCaught() throws Exception {
        byte[] key = SEALED.aesKey();
        CapsuleHeader lying = HeaderEdit.changed(SEALED.capsule().header(), e -> e.plaintextSha256 = new byte[32]);
        byte[] payload = CapsuleOpener.gcm(Cipher.ENCRYPT_MODE, key, lying).doFinal(PLAINTEXT);
        CapsuleHeader signed = signedBy(OWNER_PAIR, lying.withPayload(ContentAddress.of(payload)));
        CapsuleException e = org.junit.jupiter.api.Assertions.assertThrows(CapsuleException.class,
                () -> CapsuleOpener.open(new Capsule(signed, payload), key));
        assertThat(e.problem()).isEqualTo(CapsuleProblem.PLAINTEXT_DIGEST_MISMATCH);
        assertThat(e.getMessage()).isEqualTo("plaintext-digest-mismatch: the plaintext's SHA-256 is not the one the header states (expected "
                + "0".repeat(64) + ", got " + java.util.HexFormat.of().formatHex(ContentAddress.sha256().digest(PLAINTEXT)) + ")");
    }

    /** Every bit of a whole capsule file, flipped one at a time: always refused, never opened, never another exception. */
    @Test
    void everyBitOfTheFileFlippedIsRefused() {
        byte[] file = CapsuleFile.encode(SEALED.capsule());
        Map<CapsuleProblem, Integer> seen = new EnumMap<>(CapsuleProblem.class);
        for (int i = 0; i < file.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] f = file.clone();
                f[i] ^= (byte) (1 << bit);
                CapsuleProblem p;
                try {
                    p = refusal(CapsuleFile.parse(f, CapsuleLimits.DEFAULT), SEALED.aesKey());
                } catch (CapsuleException e) {
                    p = e.problem();
                }
                seen.merge(p, 1, Integer::sum);
            }
        }
        assertThat(seen.keySet()).isSubsetOf(EnumSet.of(CapsuleProblem.NOT_A_CAPSULE, CapsuleProblem.TRUNCATED, CapsuleProblem.TRAILING_BYTES,
                CapsuleProblem.HEADER_TOO_LARGE, CapsuleProblem.PAYLOAD_TOO_LARGE, CapsuleProblem.MALFORMED_HEADER,
                CapsuleProblem.UNSUPPORTED_VERSION, CapsuleProblem.NOT_CANONICAL, CapsuleProblem.PAYLOAD_SIZE_MISMATCH,
                CapsuleProblem.BAD_SIGNATURE, CapsuleProblem.PAYLOAD_DIGEST_MISMATCH));
        assertThat(seen).containsKeys(CapsuleProblem.NOT_A_CAPSULE, CapsuleProblem.BAD_SIGNATURE, CapsuleProblem.PAYLOAD_DIGEST_MISMATCH);
        assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(8 * file.length);
    }

    @Test
    void problemsHaveDistinctCodesAndSentences() {
        assertThat(Stream.of(CapsuleProblem.values()).map(CapsuleProblem::code).distinct()).hasSize(CapsuleProblem.values().length);
        assertThat(Stream.of(CapsuleProblem.values()).map(CapsuleProblem::sentence).distinct()).hasSize(CapsuleProblem.values().length);
        assertThatThrownBy(() -> CapsuleOpener.open(SEALED.capsule(), new byte[1]))
                .hasMessage("bad-key: the key is not a 32-byte AES-256 key (1 bytes)");
    }
}
