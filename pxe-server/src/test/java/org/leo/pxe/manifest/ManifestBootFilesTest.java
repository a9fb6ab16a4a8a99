package org.leo.pxe.manifest;

import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.Sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.boot.events.BootEvent;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRefusal.Reason;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.ClientDirectory;
import org.leo.boot.events.Protocol;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.boot.net.MacAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestBootFilesTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final InetSocketAddress HPC = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
    static final InetSocketAddress STRANGER = new InetSocketAddress("127.0.0.2", 40001);

    @TempDir
    Path tmp;
    Path root;
    final List<BootEvent> events = new CopyOnWriteArrayList<>();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ManifestBootFiles files;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectory(tmp.resolve("root"));
        Files.write(root.resolve("vmlinuz"), bytes(513));
        Files.write(root.resolve("initrd.img"), bytes(1000));
        Files.write(root.resolve("empty"), new byte[0]);
        Files.createDirectories(root.resolve("efi/boot"));
        Files.write(root.resolve("efi/boot/bootx64.efi"), bytes(512));
        Files.createSymbolicLink(root.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
        Files.createSymbolicLink(root.resolve("kernel"), Path.of("vmlinuz"));
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(tmp.resolve("keys"));
        // the manifest is made before the hostile links exist, then lists them by hand as an attacker would
        BootManifest listed = new BootManifest("test", java.time.Instant.now(), List.of(
                entry("vmlinuz"), entry("initrd.img"), entry("empty"), entry("efi/boot/bootx64.efi"), entry("kernel"),
                new ManifestEntry("passwd", 0, Sha256.hex(new byte[0])),
                new ManifestEntry("zero", 512, Sha256.hex(new byte[512])),
                new ManifestEntry("gone", 1, Sha256.hex(new byte[1]))));
        assertThat(keys).isNotNull();
        files = new ManifestBootFiles(root, listed, ip -> ip.equals(HPC.getAddress()) ? Optional.of(MAC) : Optional.empty(),
                events::add, IpxeScriptConfig.defaults("10.0.0.1", 8080), registry);
    }

    private ManifestEntry entry(String name) throws IOException {
        byte[] b = Files.readAllBytes(root.resolve(name));
        return new ManifestEntry(name, b.length, Sha256.hex(b));
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private ServedFile open(String name) throws BootRefusal {
        return files.open(new BootRequest(Protocol.TFTP, HPC, name));
    }

    private Reason refusal(String name) {
        try {
            open(name);
        } catch (BootRefusal r) {
            return r.reason();
        }
        throw new AssertionError(name + " was not refused");
    }

    /**
     * A manifest that lists the image's {@link IpxeTemplate#FILE}: every script is that template
     * filled in for the boot; a template whose bytes are not the manifest's stops the start.
     */
    @Test
    void theImagesTemplateListedInTheManifestMakesTheScripts() throws Exception {
        Files.writeString(root.resolve(IpxeTemplate.FILE), IpxeTemplate.forImage("img-1", "arm64", "vmlinuz", "initrd.img",
                "console=ttyAMA0"));
        BootManifest m = new BootManifest("img-1", java.time.Instant.now(), List.of(entry("vmlinuz"), entry("initrd.img"),
                entry(IpxeTemplate.FILE)));
        ManifestBootFiles withTemplate = new ManifestBootFiles(root, m, ip -> Optional.of(MAC), events::add,
                IpxeScriptConfig.defaults("10.0.0.1", 8080), registry);
        ServedFile s = withTemplate.open(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe"));
        String script = StandardCharsets.US_ASCII.decode(s.view()).toString();
        Matcher n = Pattern.compile("leo\\.nonce=([0-9a-f]{64}) leo\\.server=10\\.0\\.0\\.1 console=ttyS0\n").matcher(script);
        assertThat(n.find()).as(script).isTrue();
        assertThat(script).contains("echo Leo: booting ${mac} with image img-1 (arm64), boot nonce " + n.group(1))
                .contains("kernel http://10.0.0.1:8080/vmlinuz initrd=initrd.img console=ttyAMA0 leo.nonce=")
                .contains("initrd http://10.0.0.1:8080/initrd.img\n");

        Files.writeString(root.resolve(IpxeTemplate.FILE), "#!ipxe\nkernel x leo.nonce=@LEO_NONCE@ leo.server=@LEO_SERVER@\n");
        assertThatThrownBy(() -> new ManifestBootFiles(root, m, ip -> Optional.of(MAC), events::add,
                IpxeScriptConfig.defaults("10.0.0.1", 8080), registry))
                .isInstanceOf(IOException.class).hasMessageContaining("lists boot.ipxe.template, but it cannot be used");
    }

    @Test
    void servesVerifiedSnapshotsAndRecordsCompletion() throws Exception {
        ServedFile f = open("vmlinuz");
        assertThat(f.size()).isEqualTo(513);
        assertThat(f.view().isDirect()).isTrue();
        assertThat(f.view().isReadOnly()).isTrue();
        assertThat(f.mac()).contains(MAC);
        assertThat(f.generated()).isFalse();
        byte[] got = new byte[513];
        f.view().get(got);
        assertThat(got).isEqualTo(bytes(513));
        assertThat(open("efi/boot/bootx64.efi").size()).isEqualTo(512);
        assertThat(open("empty").size()).isZero();
        assertThat(open("kernel").sha256Hex()).isEqualTo(f.sha256Hex());

        BootRequest req = new BootRequest(Protocol.TFTP, HPC, "vmlinuz");
        files.finished(req, f, new TransferResult(513, f.sha256Hex(), true, Duration.ofMillis(5), ""));
        files.finished(req, f, new TransferResult(100, Sha256.hex(new byte[3]), false, Duration.ofMillis(5), "client aborted"));
        assertThat(events).extracting(BootEvent::stage).containsExactly(BootStage.FILE_SERVED, BootStage.FILE_INCOMPLETE);
        assertThat(events.get(0).sha256Hex()).isEqualTo(f.sha256Hex());
        assertThat(events.get(0).bytes()).isEqualTo(513);
        assertThat(events.get(0).mac()).contains(MAC);
        assertThat(events.get(1).detail()).contains("client aborted");
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(4);
    }

    /** Found by CrashRestartIT: curl resuming after a server crash got its whole Range, yet the log said "did not finish". */
    @Test
    void completedRangeResponseIsRecordedAsAPartNotAsUnfinished() throws Exception {
        ServedFile f = open("vmlinuz");
        BootRequest req = new BootRequest(Protocol.HTTP, HPC, "vmlinuz");
        files.finished(req, f, new TransferResult(13, Sha256.hex(new byte[13]), true, Duration.ofMillis(5), "range 500-512/513",
                java.util.Optional.of(new org.leo.boot.events.SentRange(500, 512, 513))));
        files.finished(req, f, new TransferResult(13, Sha256.hex(new byte[13]), false, Duration.ofMillis(5), "connection closed"));
        assertThat(events).extracting(BootEvent::stage).containsExactly(BootStage.FILE_INCOMPLETE, BootStage.FILE_INCOMPLETE);
        assertThat(events.get(0).range()).contains(new org.leo.boot.events.SentRange(500, 512, 513));
        assertThat(events.get(0).detail()).contains("sent a part, 13 of 513 bytes").contains("range 500-512/513")
                .doesNotContain("did not finish");
        assertThat(events.get(1).detail()).contains("did not finish 13 of 513 bytes");
    }

    @Test
    void unchangedFileReusesTheSnapshot() throws Exception {
        ServedFile a = open("vmlinuz");
        ServedFile b = open("vmlinuz");
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(1);
        assertThat(registry.counter("leo.boot.snapshot.hits").count()).isEqualTo(1);
        assertThat(b.view()).isEqualTo(a.view());
    }

    /**
     * Preloading reads and verifies the five good artifacts once (the hostile and missing ones are
     * only logged), records nothing, and the first request is then a cache hit; the bad ones are
     * still refused, with their event, when asked for.
     */
    @Test
    void preloadVerifiesEveryListedArtifactOnceAndRefusesNothingEarly() throws Exception {
        assertThat(files.preload()).isEqualTo(5);
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(5);
        assertThat(events).isEmpty();
        open("vmlinuz");
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(5);
        assertThat(registry.counter("leo.boot.snapshot.hits").count()).isEqualTo(1);
        assertThat(refusal("zero")).isEqualTo(Reason.ACCESS_VIOLATION);
        assertThat(refusal("gone")).isEqualTo(Reason.NOT_FOUND);
        assertThat(events).extracting(BootEvent::stage).containsExactly(BootStage.FILE_REFUSED, BootStage.FILE_REFUSED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "/etc/passwd", "/vmlinuz", "efi/../vmlinuz", "..", "a\\b", "vmlinuz\0.txt",
        "vm\nlinuz", "./vmlinuz", "efi//boot/bootx64.efi", "efi/boot/", "%2e%2e/etc/passwd"})
    void traversalAndMalformedNamesAreAccessViolations(String name) {
        assertThat(refusal(name)).isEqualTo(Reason.ACCESS_VIOLATION);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.FILE_REFUSED);
            assertThat(e.detail()).startsWith("ACCESS_VIOLATION: ");
            assertThat(e.file()).doesNotContain("\n", "\0");
        });
    }

    @Test
    void overlongAndEmptyNames() {
        assertThat(refusal("a".repeat(256))).isEqualTo(Reason.ACCESS_VIOLATION);
        assertThat(refusal("")).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void symlinksOutOfTheRootAndDevicesAreRefusedEvenWhenListed() {
        assertThat(refusal("passwd")).isEqualTo(Reason.ACCESS_VIOLATION);
        assertThat(refusal("zero")).isEqualTo(Reason.ACCESS_VIOLATION);
        assertThat(events).extracting(BootEvent::detail)
                .containsExactly("ACCESS_VIOLATION: passwd: resolves outside the boot root",
                        "ACCESS_VIOLATION: zero: resolves outside the boot root");
    }

    @Test
    void notInManifestVersusNotFound() throws Exception {
        Files.write(root.resolve("unlisted.efi"), new byte[10]);
        assertThat(refusal("unlisted.efi")).isEqualTo(Reason.NOT_IN_MANIFEST);
        assertThat(refusal("nothing-here")).isEqualTo(Reason.NOT_FOUND);
        assertThat(refusal("gone")).isEqualTo(Reason.NOT_FOUND);
        assertThat(events).extracting(BootEvent::stage).containsOnly(BootStage.FILE_REFUSED);
        assertThat(registry.counter("leo.boot.files.refused", "reason", "NOT_IN_MANIFEST").count()).isEqualTo(1);
    }

    @Test
    void fileChangedOnDiskAfterServingIsRefusedAtTheNextRequest() throws Exception {
        ServedFile first = open("initrd.img");
        byte[] changed = bytes(1000);
        changed[999] ^= 0x40;
        try (var ch = Files.newByteChannel(root.resolve("initrd.img"), StandardOpenOption.WRITE)) {
            ch.position(999);
            ch.write(ByteBuffer.wrap(changed, 999, 1));
        }
        BootRefusal r = catchRefusal("initrd.img");
        assertThat(r.reason()).isEqualTo(Reason.DIGEST_MISMATCH);
        assertThat(r.getMessage()).startsWith("initrd.img: sha256 ");
        assertThat(events).last().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.FILE_REFUSED);
            assertThat(e.detail()).startsWith("DIGEST_MISMATCH: initrd.img: sha256 ");
        });
        // the snapshot handed out before is untouched: what was hashed is what is sent
        byte[] old = new byte[1000];
        first.view().get(old);
        assertThat(old).isEqualTo(bytes(1000));
        // still refused (negative entry, no reload), then served again once restored
        assertThat(catchRefusal("initrd.img").reason()).isEqualTo(Reason.DIGEST_MISMATCH);
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(2);
        Files.write(root.resolve("initrd.img"), bytes(1000));
        assertThat(open("initrd.img").sha256Hex()).isEqualTo(first.sha256Hex());

        Files.write(root.resolve("initrd.img"), bytes(999));
        assertThat(catchRefusal("initrd.img").getMessage()).isEqualTo("initrd.img: size 999 on disk, manifest says 1000");
    }

    @Test
    void replacedFileWithSameContentIsReloadedAndServed() throws Exception {
        open("vmlinuz");
        Path fresh = root.resolve("vmlinuz.new");
        Files.write(fresh, bytes(513));
        Files.move(fresh, root.resolve("vmlinuz"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(open("vmlinuz").size()).isEqualTo(513);
        assertThat(registry.counter("leo.boot.snapshot.loads").count()).isEqualTo(2);
    }

    private BootRefusal catchRefusal(String name) {
        try {
            open(name);
        } catch (BootRefusal r) {
            return r;
        }
        throw new AssertionError(name + " was not refused");
    }

    @Test
    void scriptNeedsAKnownClient() {
        BootRefusal r = null;
        try {
            files.open(new BootRequest(Protocol.HTTP, STRANGER, "boot.ipxe"));
        } catch (BootRefusal e) {
            r = e;
        }
        assertThat(r).isNotNull();
        assertThat(r.reason()).isEqualTo(Reason.UNKNOWN_CLIENT);
        assertThat(r.getMessage()).isEqualTo("boot.ipxe: no lease for 127.0.0.2");
        assertThat(events).singleElement().extracting(BootEvent::stage).isEqualTo(BootStage.FILE_REFUSED);
    }

    @Test
    void scriptCarriesAFreshNonceAndIsRecorded() throws Exception {
        ServedFile tftp = open("boot.ipxe");
        String text = StandardCharsets.US_ASCII.decode(tftp.view()).toString();
        Matcher m = Pattern.compile("leo\\.nonce=([0-9a-f]{64}) ").matcher(text);
        assertThat(m.find()).isTrue();
        String nonce = m.group(1);
        assertThat(text).isEqualTo("#!ipxe\n"
                + "# Leo boot script for 52:54:00:77:00:10, generated per boot; do not cache\n"
                + "echo Leo: booting ${mac} nonce " + nonce + "\n"
                + "kernel tftp://10.0.0.1/vmlinuz initrd=initrd.img leo.nonce=" + nonce + " leo.server=10.0.0.1 console=ttyS0\n"
                + "initrd tftp://10.0.0.1/initrd.img\n"
                + "boot\n");
        assertThat(tftp.generated()).isTrue();
        assertThat(tftp.sha256Hex()).isEqualTo(Sha256.hex(tftp.view()));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.SCRIPT_SERVED);
            assertThat(e.bootNonce()).isEqualTo(nonce);
            assertThat(e.sha256Hex()).isEqualTo(tftp.sha256Hex());
            assertThat(e.mac()).contains(MAC);
        });

        files.setHttpPort(8081);
        ServedFile http = files.open(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe"));
        String httpText = StandardCharsets.US_ASCII.decode(http.view()).toString();
        assertThat(httpText).contains("kernel http://10.0.0.1:8081/vmlinuz initrd=initrd.img ")
                .contains("initrd http://10.0.0.1:8081/initrd.img\n").doesNotContain(nonce);
        String secondNonce = events.get(1).bootNonce();
        assertThat(secondNonce).hasSize(64).isNotEqualTo(nonce);

        // the nonce becomes the client's only once the whole script was delivered
        files.finished(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe"), http,
                new TransferResult(http.size(), http.sha256Hex(), true, Duration.ZERO, ""));
        assertThat(events).last().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.FILE_SERVED);
            assertThat(e.file()).isEqualTo("boot.ipxe");
            assertThat(e.sha256Hex()).isEqualTo(http.sha256Hex());
            assertThat(e.bootNonce()).isEqualTo(secondNonce);
        });

        // later file events of that client carry the current nonce
        ServedFile k = open("vmlinuz");
        files.finished(new BootRequest(Protocol.HTTP, HPC, "vmlinuz"), k, new TransferResult(513, k.sha256Hex(), true, Duration.ZERO, ""));
        assertThat(events).last().satisfies(e -> assertThat(e.bootNonce()).isEqualTo(secondNonce));
    }

    @Test
    void aScriptThatIsNeverAcknowledgedDoesNotRotateTheNonce() throws Exception {
        ServedFile first = open("boot.ipxe");
        files.finished(new BootRequest(Protocol.TFTP, HPC, "boot.ipxe"), first,
                new TransferResult(first.size(), first.sha256Hex(), true, Duration.ZERO, ""));
        String delivered = events.get(0).bootNonce();
        // a one-way spoofed request from the HPC's address: the script goes to the HPC, which never asked
        // for it and does not acknowledge it; the transfer times out
        ServedFile spoofed = open("boot.ipxe");
        files.finished(new BootRequest(Protocol.TFTP, HPC, "boot.ipxe"), spoofed,
                new TransferResult(0, Sha256.hex(new byte[0]), false, Duration.ofSeconds(5), "timed out waiting for ACK 1"));
        // an HTTP HEAD of the script is no delivery either
        files.setHttpPort(8081);
        ServedFile head = files.open(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe"));
        files.finished(new BootRequest(Protocol.HTTP, HPC, "boot.ipxe"), head,
                new TransferResult(0, Sha256.hex(new byte[0]), false, Duration.ZERO, "HEAD"));
        assertThat(events).extracting(BootEvent::stage).containsExactly(BootStage.SCRIPT_SERVED, BootStage.FILE_SERVED,
                BootStage.SCRIPT_SERVED, BootStage.FILE_INCOMPLETE, BootStage.SCRIPT_SERVED, BootStage.FILE_INCOMPLETE);

        ServedFile k = open("vmlinuz");
        files.finished(new BootRequest(Protocol.TFTP, HPC, "vmlinuz"), k, new TransferResult(513, k.sha256Hex(), true, Duration.ZERO, ""));
        assertThat(events).last().satisfies(e -> assertThat(e.bootNonce()).isEqualTo(delivered));
    }

    @Test
    void scriptRefusedWhenTheEventLogFails() throws Exception {
        ManifestBootFiles failing = new ManifestBootFiles(root, files.manifest(), ip -> Optional.of(MAC), e -> {
            throw new IllegalStateException("disk full");
        }, IpxeScriptConfig.defaults("10.0.0.1", 0), registry);
        assertThatThrownBy(() -> failing.open(new BootRequest(Protocol.TFTP, HPC, "boot.ipxe")))
                .isInstanceOf(BootRefusal.class).hasMessage("boot.ipxe: boot event log unavailable");
    }

    @Test
    void unknownClientStillGetsManifestFilesWithoutMac() throws Exception {
        ServedFile f = files.open(new BootRequest(Protocol.HTTP, STRANGER, "vmlinuz"));
        assertThat(f.mac()).isEmpty();
        assertThat(ClientDirectory.NONE.macOf(HPC.getAddress())).isEmpty();
    }
}
