package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.task.v1.CapsuleHeader.TermsCase;

/** The capsule file's layout and every cap and structural refusal of its parser and of the header codec. */
class CapsuleFileTest {
    private static final CapsuleSealer.Sealed SEALED = TestCapsules.seal("a capsule".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    private static final byte[] FILE = CapsuleFile.encode(SEALED.capsule());
    private static final byte[] HEADER = CapsuleHeaderCodec.encode(SEALED.capsule().header());

    @TempDir
    Path dir;

    private static CapsuleException refusal(byte[] file, CapsuleLimits limits) {
        try {
            CapsuleFile.parse(file, limits);
        } catch (CapsuleException e) {
            return e;
        }
        throw new AssertionError("parsed");
    }

    private static Capsule parse(byte[] file, CapsuleLimits limits) {
        try {
            return CapsuleFile.parse(file, limits);
        } catch (CapsuleException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static CapsuleException headerRefusal(byte[] header) {
        try {
            CapsuleHeaderCodec.decode(header);
        } catch (CapsuleException e) {
            return e;
        }
        throw new AssertionError("decoded");
    }

    /** A file around {@code header} and the real payload. */
    private static byte[] file(byte[] header) {
        byte[] payload = SEALED.capsule().payloadBytes();
        return ByteBuffer.allocate(CapsuleFile.FIXED_BYTES + header.length + payload.length).put(CapsuleFile.MAGIC).putInt(header.length)
                .put(header).putLong(payload.length).put(payload).array();
    }

    @Test
    void theLayoutIsMagicHeaderLengthHeaderPayloadLengthPayload() {
        ByteBuffer b = ByteBuffer.wrap(FILE);
        byte[] magic = new byte[8];
        b.get(magic);
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("LEOCAP1\0");
        assertThat(b.getInt()).isEqualTo(HEADER.length);
        assertThat(Arrays.copyOfRange(FILE, 12, 12 + HEADER.length)).isEqualTo(HEADER);
        b.position(12 + HEADER.length);
        assertThat(b.getLong()).isEqualTo(9 + 16);
        assertThat(Arrays.copyOfRange(FILE, 20 + HEADER.length, FILE.length)).isEqualTo(SEALED.capsule().payloadBytes());
        assertThat(HEADER.length).isEqualTo(292); // with 9 label characters
        byte[] longest = CapsuleHeaderCodec.encode(HeaderEdit.changed(SEALED.capsule().header(), e -> e.label = "x".repeat(128)));
        assertThat(longest).hasSize(292 - 9 + 128 + 1); // and a 2-byte length
    }

    @Test
    void notACapsule() {
        assertThat(refusal(new byte[0], CapsuleLimits.DEFAULT).getMessage()).isEqualTo(
                "not-a-capsule: the bytes do not start with the capsule magic LEOCAP1\\0 (0 bytes)");
        assertThat(refusal("LEOCAP2\0xxxxxxxxxxxxxxxxxxxx".getBytes(java.nio.charset.StandardCharsets.US_ASCII), CapsuleLimits.DEFAULT).problem())
                .isEqualTo(CapsuleProblem.NOT_A_CAPSULE);
    }

    @Test
    void everyShorterPrefixIsTruncatedAndAnExtraByteIsTrailing() {
        for (int n = 0; n < FILE.length; n++) {
            CapsuleProblem p = refusal(Arrays.copyOf(FILE, n), CapsuleLimits.DEFAULT).problem();
            assertThat(p).as("%d bytes", n).isEqualTo(n < 8 ? CapsuleProblem.NOT_A_CAPSULE : CapsuleProblem.TRUNCATED);
        }
        assertThat(refusal(Arrays.copyOf(FILE, 12 + HEADER.length + 3), CapsuleLimits.DEFAULT).getMessage())
                .isEqualTo("truncated: the capsule ends before the lengths it declares (the payload length needs 8 bytes at offset "
                        + (12 + HEADER.length) + ", 3 remain)");
        assertThat(refusal(Arrays.copyOf(FILE, FILE.length + 1), CapsuleLimits.DEFAULT).getMessage())
                .isEqualTo("trailing-bytes: the capsule has bytes after its payload (1 bytes after the payload)");
    }

    @Test
    void theHeaderLengthIsCappedAt4096AndIsNeverZero() {
        byte[] f = FILE.clone();
        ByteBuffer.wrap(f).putInt(8, 4097);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).getMessage())
                .isEqualTo("header-too-large: the header is longer than a capsule header may be (header length 4097, at most 4096)");
        ByteBuffer.wrap(f).putInt(8, -1);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).getMessage()).contains("header length 4294967295, at most 4096");
        ByteBuffer.wrap(f).putInt(8, 0);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).problem()).isEqualTo(CapsuleProblem.MALFORMED_HEADER);
    }

    @Test
    void thePayloadLengthIsCappedByTheReadersLimitBeforeAnythingIsAllocated() {
        CapsuleLimits small = new CapsuleLimits(24);
        assertThat(refusal(FILE, small).getMessage())
                .isEqualTo("payload-too-large: the payload is longer than this reader accepts (payload length 25, at most 24)");
        assertThat(parse(FILE, new CapsuleLimits(25)).payloadLength()).isEqualTo(25);
        byte[] f = FILE.clone();
        ByteBuffer.wrap(f).putLong(12 + HEADER.length, Long.MAX_VALUE);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).problem()).isEqualTo(CapsuleProblem.PAYLOAD_TOO_LARGE);
        ByteBuffer.wrap(f).putLong(12 + HEADER.length, -1);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).getMessage()).contains("payload length 18446744073709551615");
        ByteBuffer.wrap(f).putLong(12 + HEADER.length, 1L << 30);
        assertThat(refusal(f, CapsuleLimits.DEFAULT).problem()).isEqualTo(CapsuleProblem.TRUNCATED);
    }

    @Test
    void aPayloadLengthThatIsNotThePlaintextSizePlusTheTagIsRefusedByTheParser() throws Exception {
        CapsuleHeader h = SEALED.capsule().header();
        byte[] payload = SEALED.capsule().payloadBytes();
        byte[] shorter = CapsuleFile.encode(new Capsule(h, Arrays.copyOf(payload, payload.length - 1)));
        assertThat(refusal(shorter, CapsuleLimits.DEFAULT).getMessage()).isEqualTo("payload-size-mismatch: the payload's length is not "
                + "the plaintext size the header states plus the 16-byte tag (payload 24 bytes, plaintext size 9)");
    }

    @Test
    void limitsAreBetweenTheTagAndTheCeiling() {
        assertThat(CapsuleLimits.DEFAULT.maxPayloadBytes()).isEqualTo(1L << 30);
        assertThat(CapsuleLimits.DEFAULT.maxFileBytes()).isEqualTo((1L << 30) + 20 + 4096);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CapsuleLimits(15)).isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CapsuleLimits(CapsuleLimits.CEILING + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new CapsuleLimits(CapsuleLimits.CEILING).maxFileBytes()).isLessThan(Integer.MAX_VALUE);
    }

    @Test
    void aFileLargerThanTheLimitIsRefusedBeforeItIsRead() throws Exception {
        Path f = dir.resolve("big.capsule");
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(FILE));
            ch.write(ByteBuffer.wrap(new byte[1]), 20L + 4096 + (1L << 30)); // sparse: 1 GiB and a bit, never read
        }
        CapsuleException e = org.junit.jupiter.api.Assertions.assertThrows(CapsuleException.class, () -> CapsuleFile.read(f, CapsuleLimits.DEFAULT));
        assertThat(e.problem()).isEqualTo(CapsuleProblem.PAYLOAD_TOO_LARGE);
        assertThat(e.getMessage()).contains("has 1073745941 bytes, at most 1073745940 are read");
    }

    @Test
    void theHeaderMustBeItsOwnCanonicalEncoding() {
        // an unknown field (number 14, varint 1) appended
        byte[] unknown = Arrays.copyOf(HEADER, HEADER.length + 2);
        unknown[HEADER.length] = (byte) (14 << 3);
        unknown[HEADER.length + 1] = 1;
        assertThat(headerRefusal(unknown).getMessage()).isEqualTo("malformed-header: the header is not a valid capsule header "
                + "(fields this version does not know: [14])");
        assertThat(refusal(file(unknown), CapsuleLimits.DEFAULT).problem()).isEqualTo(CapsuleProblem.MALFORMED_HEADER);

        // the same values, fields in another order: the label (12) moved to the front
        var p = CapsuleHeaderCodec.toProto(SEALED.capsule().header());
        byte[] label = org.leo.protocol.task.v1.CapsuleHeader.newBuilder().setLabel(p.getLabel()).build().toByteArray();
        byte[] rest = p.toBuilder().clearLabel().build().toByteArray();
        byte[] reordered = ByteBuffer.allocate(label.length + rest.length).put(label).put(rest).array();
        assertThat(reordered).hasSameSizeAs(HEADER).isNotEqualTo(HEADER);
        assertThat(headerRefusal(reordered).getMessage()).isEqualTo("not-canonical: the header is not in its one canonical encoding "
                + "(its " + HEADER.length + " bytes are not the protobuf encoding of its own values)");

        // a field written twice (protobuf keeps the last)
        byte[] twice = ByteBuffer.allocate(HEADER.length + label.length).put(HEADER).put(label).array();
        assertThat(headerRefusal(twice).problem()).isEqualTo(CapsuleProblem.NOT_CANONICAL);
    }

    @Test
    void everyFieldOfTheHeaderIsChecked() {
        var p = CapsuleHeaderCodec.toProto(SEALED.capsule().header());
        assertThat(headerRefusal(p.toBuilder().setVersion(2).build().toByteArray()).getMessage())
                .isEqualTo("unsupported-version: the header is of a format version this code does not know (version 2, this code knows 1)");
        assertThat(headerRefusal(p.toBuilder().setVersion(0).build().toByteArray()).problem()).isEqualTo(CapsuleProblem.UNSUPPORTED_VERSION);
        String[][] cases = {
            {"no requirements", hex(p.toBuilder().clearRequirements())},
            {"neither a price nor a budget", hex(p.toBuilder().clearTerms())},
            {"signature: expected 64 bytes, got 0", hex(p.toBuilder().clearSignature())},
            {"owner key: expected 32 bytes, got 31", hex(p.toBuilder().setOwner(p.getOwner().substring(1)))},
            {"payload SHA-256: expected 32 bytes, got 0", hex(p.toBuilder().clearPayloadSha256())},
            {"plaintext SHA-256: expected 32 bytes, got 33", hex(p.toBuilder().setPlaintextSha256(p.getPlaintextSha256().concat(p.getOwner().substring(0, 1))))},
            {"nonce: expected 12 bytes, got 16", hex(p.toBuilder().setNonce(p.getNonce().concat(p.getNonce().substring(0, 4))))},
            {"capsule kind 0 is none of 1 (data), 2 (code), 3 (result)", hex(p.toBuilder().setKindValue(0))},
            {"capsule kind 4 is none of 1 (data), 2 (code), 3 (result)", hex(p.toBuilder().setKindValue(4))},
            {"network 0 is not 1 (none), the only network a capsule may require",
                hex(p.toBuilder().setRequirements(p.getRequirements().toBuilder().setNetworkValue(0)))},
            {"image digest: expected 'sha256:' and 64 lower-case hex digits (a Docker image digest), got 'debian:12'",
                hex(p.toBuilder().setRequirements(p.getRequirements().toBuilder().setImageDigest("debian:12")))},
            {"minimum credits are at most 2^63-1 and not negative, got executor 18446744073709551615 and monitor 50",
                hex(p.toBuilder().setRequirements(p.getRequirements().toBuilder().setMinExecutorCredit(-1)))},
            {"price: at most 2^63-1 token units, got 9223372036854775808", hex(p.toBuilder().setPrice(Long.MIN_VALUE))},
            {"plaintext size: at most 2^63-1, got 18446744073709551615", hex(p.toBuilder().setPlaintextSize(-1))},
            {"created at: at most 2^63-1 ms, got 18446744073709551615", hex(p.toBuilder().setCreatedUnixMillis(-1))},
            {"label: printable ASCII only (0x20..0x7e), got 0x1b at 0", hex(p.toBuilder().setLabel("\u001b[2J"))},
        };
        for (String[] c : cases) {
            CapsuleException e = headerRefusal(java.util.HexFormat.of().parseHex(c[1]));
            assertThat(e.problem()).as(c[0]).isEqualTo(CapsuleProblem.MALFORMED_HEADER);
            assertThat(e.getMessage()).isEqualTo("malformed-header: the header is not a valid capsule header (" + c[0] + ")");
        }
        assertThat(p.getTermsCase()).isEqualTo(TermsCase.PRICE);
        assertThat(headerRefusal(new byte[] {(byte) 0xff}).getMessage()).startsWith("malformed-header: the header is not a valid capsule "
                + "header (not a protobuf CapsuleHeader: ");
    }

    private static String hex(org.leo.protocol.task.v1.CapsuleHeader.Builder b) {
        return java.util.HexFormat.of().formatHex(b.build().toByteArray());
    }

    @Test
    void aBudgetRoundTripsAsABudget() throws Exception {
        CapsuleSealer.Sealed s = TestCapsules.sealer(TestCapsules.owner()).seal(new byte[0], CapsuleKind.RESULT, TestCapsules.REQUIREMENTS,
                Terms.budget(0), "");
        Capsule back = CapsuleFile.parse(CapsuleFile.encode(s.capsule()), CapsuleLimits.DEFAULT);
        assertThat(back.header().terms()).isEqualTo(Terms.budget(0));
        assertThat(back.header().kind()).isEqualTo(CapsuleKind.RESULT);
        assertThat(CapsuleHeaderCodec.toProto(back.header()).getTermsCase()).isEqualTo(TermsCase.BUDGET);
        assertThat(CapsuleOpener.open(back, s.aesKey())).isEmpty();
        Files.write(dir.resolve("x"), new byte[0]);
    }
}
