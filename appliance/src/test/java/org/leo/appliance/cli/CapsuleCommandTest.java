package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.WrapKeyFile;

/**
 * {@code leo capsule seal|open|inspect} in process: a round trip signed by the Pi's member key and
 * kept in its store; the golden capsule inspected line by line; tampered capsules, wrong keys and
 * bad options refused with their reasons and exit codes.
 */
class CapsuleCommandTest {
    static final String IMAGE = "sha256:" + "0123456789abcdef".repeat(4);

    @TempDir
    Path dir;

    private Path plaintext(int size) throws Exception {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return Files.write(dir.resolve("plain-" + size), b);
    }

    /** {@code leo capsule seal} of {@code in} into c.capsule, with options {@code OPTION VALUE} added or replaced. */
    private AttestCommandTest.Run seal(Path in, String... options) {
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("--in", in.toString(), "--kind", "data", "--image", IMAGE,
                "--price", "500", "--data-dir", dir.resolve("data").toString(), "--out", dir.resolve("c.capsule").toString()));
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("capsule", "seal"));
        o.forEach((k, v) -> args.addAll(java.util.List.of(k, v)));
        return AttestCommandTest.leo(args.toArray(String[]::new));
    }

    private static Map<String, String> lines(String out) {
        return out.lines().collect(Collectors.toMap(l -> l.split(" ", 2)[0], l -> l.split(" ", 2)[1], (a, b) -> a,
                java.util.LinkedHashMap::new));
    }

    @Test
    void sealOpenAndInspectWithThePisMemberKeyAndStore() throws Exception {
        Path in = plaintext(100_000);
        AttestCommandTest.Run sealed = seal(in, "--label", "genome \"v2\"", "--min-executor-credit", "100", "--min-monitor-credit", "50");
        assertThat(sealed.status()).as(sealed.err()).isZero();
        Map<String, String> s = lines(sealed.out());
        assertThat(s.keySet()).containsExactly("capsule-id", "owner", "capsule", "key", "stored");
        Path capsule = dir.resolve("c.capsule");
        Path key = dir.resolve("c.capsule.key");
        assertThat(s.get("capsule-id")).isEqualTo(ContentAddress.of(Files.readAllBytes(capsule)).hex());
        assertThat(s.get("owner")).isEqualTo(MemberKeyFile.load(dir.resolve("data/consensus/member.key")).memberHex());
        assertThat(s.get("key")).isEqualTo(key.toString());
        assertThat(Path.of(s.get("stored"))).isEqualTo(dir.resolve("data/capsules").resolve(s.get("capsule-id"))).hasSameBinaryContentAs(capsule);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(capsule))).isEqualTo("rw-r--r--");
        assertThat(Files.readString(key)).matches("[0-9a-f]{64}\n");
        assertThat(sealed.err()).contains("the AES key is in " + key + " in clear (mode 0600; give --tpm or --wrap-key to have it wrapped)");

        AttestCommandTest.Run opened = AttestCommandTest.leo("capsule", "open", "--in", capsule.toString(), "--key-file", key.toString(),
                "--out", dir.resolve("opened").toString());
        assertThat(opened.status()).as(opened.err()).isZero();
        assertThat(dir.resolve("opened")).hasSameBinaryContentAs(in);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("opened")))).isEqualTo("rw-------");
        assertThat(opened.out()).isEqualTo("opened " + dir.resolve("opened") + " 100000 bytes sha256 "
                + ContentAddress.of(Files.readAllBytes(in)).hex() + "\n");

        AttestCommandTest.Run inspected = AttestCommandTest.leo("capsule", "inspect", "--in", capsule.toString());
        assertThat(inspected.status()).as(inspected.err()).isZero();
        Map<String, String> i = lines(inspected.out());
        assertThat(i.keySet()).containsExactly("capsule-id", "version", "owner", "kind", "payload-sha256", "payload-size", "plaintext-sha256",
                "plaintext-size", "nonce", "image", "network", "cleanup-required", "min-executor-credit", "min-monitor-credit", "price",
                "created", "label", "signature", "signature-check", "payload-check");
        assertThat(i).containsEntry("capsule-id", s.get("capsule-id")).containsEntry("owner", s.get("owner")).containsEntry("kind", "data")
                .containsEntry("payload-size", "100016").containsEntry("plaintext-size", "100000").containsEntry("image", IMAGE)
                .containsEntry("network", "none").containsEntry("cleanup-required", "true").containsEntry("min-executor-credit", "100")
                .containsEntry("min-monitor-credit", "50").containsEntry("price", "500").containsEntry("label", "\"genome \\\"v2\\\"\"")
                .containsEntry("signature-check", "valid").containsEntry("payload-check", "valid");
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                AttestCommandTest.leo("capsule", "inspect", "--in", capsule.toString(), "--json").out());
        assertThat(json.fieldNames()).toIterable().containsExactlyElementsOf(i.keySet());
        assertThat(json.get("payload-size").asLong()).isEqualTo(100016);
        assertThat(json.get("cleanup-required").asBoolean()).isTrue();
        assertThat(json.get("label").asText()).isEqualTo("genome \"v2\"");
        assertThat(json.get("capsule-id").asText()).isEqualTo(s.get("capsule-id"));

        // a second capsule by the same Pi: the same member key, another key file
        AttestCommandTest.Run again = AttestCommandTest.leo("capsule", "seal", "--in", in.toString(), "--kind", "code", "--image", IMAGE,
                "--budget", "7", "--data-dir", dir.resolve("data").toString(), "--out", dir.resolve("d.capsule").toString(), "--no-store");
        assertThat(again.status()).as(again.err()).isZero();
        assertThat(lines(again.out())).containsEntry("owner", s.get("owner")).doesNotContainKey("stored");
        try (var st = Files.list(dir.resolve("data/capsules"))) {
            assertThat(st.count()).isEqualTo(1);
        }
    }

    /** The golden capsule of the protocol's tests (protocol test-jar), every line of inspect pinned. */
    @Test
    void inspectPrintsEveryFieldOfTheGoldenCapsule() throws Exception {
        Map<String, String> golden;
        try (InputStream g = getClass().getResourceAsStream("/org/leo/protocol/capsule/golden-v1.txt")) {
            golden = new String(g.readAllBytes(), StandardCharsets.US_ASCII).lines().filter(l -> !l.startsWith("#"))
                    .collect(Collectors.toMap(l -> l.split(" ")[0], l -> l.split(" ")[1]));
        }
        Path capsule = Files.write(dir.resolve("golden.capsule"), HexFormat.of().parseHex(golden.get("file")));
        AttestCommandTest.Run r = AttestCommandTest.leo("capsule", "inspect", "--in", capsule.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(String.join("\n",
                "capsule-id " + golden.get("capsule-id"),
                "version 1",
                "owner d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
                "kind data",
                "payload-sha256 bb3f65bde62cbfc7e8feb3639b234ac5a2a09d204b442a0386ff732b39db4582",
                "payload-size 31",
                "plaintext-sha256 d078b5c137f6c6a4276efdaf1e15088bf55f254972032337776c89c638f9b3fb",
                "plaintext-size 15",
                "nonce " + golden.get("nonce"),
                "image sha256:" + "ab".repeat(32),
                "network none",
                "cleanup-required true",
                "min-executor-credit 100",
                "min-monitor-credit 50",
                "price 1000",
                "created 2025-06-01T12:00:00.123Z",
                "label \"golden v1\"",
                "signature " + golden.get("signature"),
                "signature-check valid",
                "payload-check valid", ""));
        Path key = Files.writeString(dir.resolve("golden.key"), golden.get("aes-key") + "\n");
        AttestCommandTest.Run opened = AttestCommandTest.leo("capsule", "open", "--in", capsule.toString(), "--key-file", key.toString(),
                "--out", dir.resolve("golden.txt").toString());
        assertThat(opened.status()).as(opened.err()).isZero();
        assertThat(dir.resolve("golden.txt")).hasContent("hello, capsule");
    }

    @Test
    void tamperedCapsulesAndWrongKeysAreRefusedWithTheReasonAndNothingIsWritten() throws Exception {
        Path in = plaintext(1000);
        assertThat(seal(in, "--label", "relabel me").status()).isZero();
        Path capsule = dir.resolve("c.capsule");
        Path key = dir.resolve("c.capsule.key");
        byte[] good = Files.readAllBytes(capsule);
        Path out = dir.resolve("out");

        byte[] payloadFlipped = good.clone();
        payloadFlipped[good.length - 1] ^= 1;
        Path bad = Files.write(dir.resolve("payload.capsule"), payloadFlipped);
        AttestCommandTest.Run r = AttestCommandTest.leo("capsule", "open", "--in", bad.toString(), "--key-file", key.toString(), "--out", out.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).startsWith("leo capsule open: " + bad + ": payload-digest-mismatch: the payload's SHA-256 is not the content "
                + "address the header states (expected ");
        assertThat(out).doesNotExist();
        AttestCommandTest.Run inspected = AttestCommandTest.leo("capsule", "inspect", "--in", bad.toString());
        assertThat(inspected.status()).isEqualTo(1);
        assertThat(lines(inspected.out())).containsEntry("signature-check", "valid")
                .hasEntrySatisfying("payload-check", v -> assertThat(v).startsWith("invalid payload-digest-mismatch: "));

        // the label's first character, 'r' -> 's': still a well-formed header, no longer the owner's
        byte[] relabelled = good.clone();
        int at = new String(good, StandardCharsets.ISO_8859_1).indexOf("relabel me");
        relabelled[at] ^= 1;
        Files.write(bad, relabelled);
        inspected = AttestCommandTest.leo("capsule", "inspect", "--in", bad.toString());
        assertThat(inspected.status()).isEqualTo(1);
        assertThat(lines(inspected.out())).containsEntry("label", "\"selabel me\"")
                .hasEntrySatisfying("signature-check", v -> assertThat(v).startsWith("invalid bad-signature: the owner's signature does not verify"));
        r = AttestCommandTest.leo("capsule", "open", "--in", bad.toString(), "--key-file", key.toString(), "--out", out.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(": bad-signature: ");

        Path otherKey = Files.writeString(dir.resolve("other.key"), "00".repeat(32) + "\n");
        r = AttestCommandTest.leo("capsule", "open", "--in", capsule.toString(), "--key-file", otherKey.toString(), "--out", out.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("leo capsule open: " + capsule + ": decryption-failed: the payload does not decrypt under this key "
                + "and this header (a wrong key, or a payload sealed under another header) (the GCM tag does not match)\n");
        Files.writeString(otherKey, "00".repeat(16));
        r = AttestCommandTest.leo("capsule", "open", "--in", capsule.toString(), "--key-file", otherKey.toString(), "--out", out.toString());
        assertThat(r.err()).contains("bad-key: the key is not a 32-byte AES-256 key (16 bytes)");
        Files.writeString(otherKey, "not a key");
        r = AttestCommandTest.leo("capsule", "open", "--in", capsule.toString(), "--key-file", otherKey.toString(), "--out", out.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(otherKey + " is no key file: expected 64 hex digits");

        r = AttestCommandTest.leo("capsule", "open", "--in", in.toString(), "--key-file", key.toString(), "--out", out.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(": not-a-capsule: ");
        r = AttestCommandTest.leo("capsule", "inspect", "--in", capsule.toString(), "--max-payload-bytes", "1000");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("payload-too-large: the payload is longer than this reader accepts (");
        assertThat(out).doesNotExist();
    }

    private AttestCommandTest.Run sealLabelled(Path in, String label) {
        return seal(in, "--label", label, "--key-out", dir.resolve(label.length() + ".key").toString());
    }

    /** With --tpm the key file holds only the key wrapped by the Pi's TPM: that TPM opens the capsule, another does not. */
    @Test
    void withATpmTheKeyIsStoredWrappedAndOnlyThatTpmOpensTheCapsule() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.leo.protocol.tpm.SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        Path in = plaintext(5000);
        try (org.leo.protocol.tpm.SwtpmProcess tpm = org.leo.protocol.tpm.SwtpmProcess.start();
             org.leo.protocol.tpm.SwtpmProcess other = org.leo.protocol.tpm.SwtpmProcess.start()) {
            AttestCommandTest.Run sealed = seal(in, "--tpm", "swtpm:127.0.0.1:" + tpm.port());
            assertThat(sealed.status()).as(sealed.err()).isZero();
            Path key = dir.resolve("c.capsule.key");
            assertThat(Files.readString(key)).matches("wrap-key [0-9a-f]{64}\nwrapped-key [0-9a-f]{512}\n");
            assertThat(sealed.err()).doesNotContain("in clear");
            Path out = dir.resolve("opened");
            AttestCommandTest.Run noTpm = AttestCommandTest.leo("capsule", "open", "--in", dir.resolve("c.capsule").toString(), "--key-file",
                    key.toString(), "--out", out.toString());
            assertThat(noTpm.status()).isEqualTo(1);
            assertThat(noTpm.err()).contains("holds a key wrapped by a TPM: give --tpm");
            AttestCommandTest.Run wrongTpm = AttestCommandTest.leo("capsule", "open", "--in", dir.resolve("c.capsule").toString(), "--key-file",
                    key.toString(), "--out", out.toString(), "--tpm", "swtpm:127.0.0.1:" + other.port());
            assertThat(wrongTpm.status()).isEqualTo(1);
            assertThat(wrongTpm.err()).contains("cannot unwrap the key");
            assertThat(out).doesNotExist();
            AttestCommandTest.Run opened = AttestCommandTest.leo("capsule", "open", "--in", dir.resolve("c.capsule").toString(), "--key-file",
                    key.toString(), "--out", out.toString(), "--tpm", "swtpm:127.0.0.1:" + tpm.port());
            assertThat(opened.status()).as(opened.err()).isZero();
            assertThat(out).hasSameBinaryContentAs(in);
        }
    }

    /**
     * With --wrap-key the AES key is wrapped to the file the Pi writes, with no TPM running at all: the key file is the one
     * --tpm writes, and the Pi's TPM opens the capsule.
     */
    @Test
    void withTheWrapKeyFileTheKeyIsWrappedWithoutTheTpmAndTheTpmOpensTheCapsule() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(org.leo.protocol.tpm.SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        Path in = plaintext(5000);
        Path pub = dir.resolve("data").resolve(FleetAppliance.CAPSULE_WRAP_KEY);
        Files.createDirectories(pub.getParent());
        try (org.leo.protocol.tpm.SwtpmProcess tpm = org.leo.protocol.tpm.SwtpmProcess.start()) {
            String endpoint = "swtpm:127.0.0.1:" + tpm.port();
            String fingerprint;
            try (Tpm t = Tpm.open(TpmEndpoint.parse(endpoint))) {
                fingerprint = FleetAppliance.publishWrapKey(t, pub.getParent()).fingerprint();
            }
            tpm.stop();
            AttestCommandTest.Run sealed = seal(in, "--wrap-key", pub.toString());
            assertThat(sealed.status()).as(sealed.err()).isZero();
            Path key = dir.resolve("c.capsule.key");
            assertThat(Files.readString(key)).matches("wrap-key " + fingerprint + "\nwrapped-key [0-9a-f]{512}\n");
            assertThat(sealed.err()).doesNotContain("in clear");
            tpm.restart();
            Path out = dir.resolve("opened");
            AttestCommandTest.Run opened = AttestCommandTest.leo("capsule", "open", "--in", dir.resolve("c.capsule").toString(), "--key-file",
                    key.toString(), "--out", out.toString(), "--tpm", "swtpm:127.0.0.1:" + tpm.port()); // a restart takes a new port
            assertThat(opened.status()).as(opened.err()).isZero();
            assertThat(out).hasSameBinaryContentAs(in);
        }
    }

    /** A wrap key file that is not the wrap key template's key, or was altered, is refused in one line, and nothing is written. */
    @Test
    void aWrapKeyFileOfAnotherKeyOrAlteredIsRefused() throws Exception {
        Path in = plaintext(10);
        String fingerprint = "00".repeat(32);
        String signingKey = "0001000b00050072" + "0000" + "0010" + "0014000b" + "0800" + "00000000" + "0100" + "c5".repeat(256);
        Path[] files = {
            Files.writeString(dir.resolve("signing.pub"), WrapKeyFile.HEADER + "\nfingerprint " + fingerprint + "\ntpmt-public " + signingKey + "\n"),
            Files.writeString(dir.resolve("cut.pub"), WrapKeyFile.HEADER + "\nfingerprint " + fingerprint + "\ntpmt-public 0001000b"),
            Files.writeString(dir.resolve("empty.pub"), ""),
        };
        String[] expected = {
            "line 3: TPMT_PUBLIC is not the wrap key template's: rsa-2048, objectAttributes 0x00050072, scheme rsassa-sha256",
            "a wrap key file ends with a line feed, this one does not (truncated?)",
            "a wrap key file ends with a line feed, this one does not (truncated?)",
        };
        for (int i = 0; i < files.length; i++) {
            AttestCommandTest.Run r = seal(in, "--wrap-key", files[i].toString());
            assertThat(r.status()).as(files[i].toString()).isEqualTo(1);
            assertThat(r.err()).startsWith("leo capsule seal: --wrap-key " + files[i] + " is not a wrap key file: " + expected[i])
                    .hasLineCount(1);
            assertThat(dir.resolve("c.capsule")).doesNotExist();
            assertThat(dir.resolve("c.capsule.key")).doesNotExist();
        }
        AttestCommandTest.Run missing = seal(in, "--wrap-key", dir.resolve("none.pub").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).startsWith("leo capsule seal: --wrap-key " + dir.resolve("none.pub") + " cannot be read: ");
        AttestCommandTest.Run both = seal(in, "--wrap-key", files[0].toString(), "--tpm", "swtpm:127.0.0.1:1");
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).contains("--tpm=ENDPOINT, --wrap-key=FILE are mutually exclusive");
    }

    @Test
    void aKeyFileIsNeverOverwritten() throws Exception {
        Path in = plaintext(10);
        assertThat(sealLabelled(in, "relabel me").status()).isZero();
        Path key = dir.resolve("10.key");
        String first = Files.readString(key);
        AttestCommandTest.Run r = sealLabelled(in, "relabel me");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(key + " exists: a key file is never overwritten");
        assertThat(key).hasContent(first.strip());
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Path in = plaintext(1);
        String[][] cases = {
            {"--image", "sha256:" + "AB".repeat(32)},
            {"--kind", "result"},
            {"--budget", "5"},
            {"--min-executor-credit", "-1"},
            {"--label", "bell\u0007"},
            {"--label", "x".repeat(129)},
        };
        String[] expected = {
            "image digest: expected 'sha256:' and 64 lower-case hex digits (a Docker image digest), got 'sha256:ABAB",
            "--kind: data or code, got 'result'",
            "--price=N, --budget=N are mutually exclusive",
            "minimum credits are at most 2^63-1 and not negative",
            "--label: printable ASCII only (0x20..0x7e), got 0x7 at 4",
            "--label: at most 128 characters, got 129",
        };
        for (int c = 0; c < cases.length; c++) {
            AttestCommandTest.Run r = seal(in, cases[c]);
            assertThat(r.status()).as(String.join(" ", cases[c])).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", cases[c])).contains(expected[c]);
        }
        AttestCommandTest.Run none = AttestCommandTest.leo("capsule", "seal", "--in", in.toString(), "--kind", "data", "--image", IMAGE,
                "--out", dir.resolve("x").toString());
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("Missing required argument");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(dir.resolve("c.capsule")).doesNotExist();
    }

    @Test
    void helpReadsLikeAManPage() {
        AttestCommandTest.Run seal = AttestCommandTest.leo("capsule", "seal", "--help");
        assertThat(seal.status()).isZero();
        assertThat(seal.out()).contains("Description:", "Exit status:", "Examples:", "--tpm", "--wrap-key=FILE",
                "DATA-DIR/capsule-wrap-key.pub", "--key-out", "DATA-DIR/consensus/member.key");
        assertThat(AttestCommandTest.leo("capsule", "open", "--help").out()).contains("decryption-failed", "Exit status:", "Examples:");
        assertThat(AttestCommandTest.leo("capsule", "inspect", "--help").out()).contains("Never needs the key", "Exit status:");
        assertThat(AttestCommandTest.leo("--help").out()).contains("leo capsule --help");
    }
}
