package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.MemberKeyFile;
import org.leo.consensus.fleet.MemberKeys;
import org.leo.consensus.fleet.OwnResults;
import org.leo.consensus.fleet.PeerList;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.ResultCapsule;
import org.leo.protocol.capsule.ResultSealer;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;

/**
 * {@code leo task result} in process over an embedded ledger: this Pi (member 0) owns task #7, member 1 owns task #9.
 * The result capsules are sealed as the agent seals them ({@link ResultSealer}) to a real swtpm's wrap key, signed by
 * the fixed agent keys of the protocol tests, and stored where the running Pi stores what it fetched
 * ({@code DATA-DIR/results-received}), with the agent certificate it released the task's keys to.
 */
class TaskResultCommandTest {
    static final X509Certificate AGENT = cert("agent.cert.der");
    static final PrivateKey AGENT_KEY = ecKey("agent.key.der");
    static final X509Certificate OTHER_AGENT = cert("other-agent.cert.der");
    static final PrivateKey OTHER_AGENT_KEY = ecKey("other-agent.key.der");
    static final byte[] PLAINTEXT = "P2 the grey picture\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Path received() {
        return data().resolve(OwnResults.DIR);
    }

    /** Members 0 (this Pi) and 1 (another), a service, task #7 of this Pi and task #9 of member 1. */
    /** A data capsule of this Pi's that member 1's task #11 names (offered with 'leo task offer'). */
    static final byte[] CAROLS = ContentAddress.of("this Pi's names".getBytes(StandardCharsets.US_ASCII)).bytes();

    private List<MemberKeys> ledger() throws Exception {
        MemberKeys pi = MemberKeyFile.loadOrCreate(data().resolve(FleetOptions.DIR), new SecureRandom());
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        Arrays.fill(a, (byte) 1);
        Arrays.fill(b, (byte) 11);
        MemberKeys other = MemberKeys.of(a, b);
        Files.createDirectories(data().resolve(FleetOptions.DIR));
        try (EmbeddedLedger l = EmbeddedLedger.open(data().resolve(LedgerCommand.FILE))) {
            l.append(new LedgerRecord.MemberAdmitted(pi.member(), pi.vrfKey(), 100)); // 1
            l.append(new LedgerRecord.MemberAdmitted(other.member(), other.vrfKey(), 100)); // 2
            l.append(other.signService(new byte[32], new byte[32], 0, "grey")); // 3
            l.deposit(pi.member(), 10); // 4
            l.deposit(other.member(), 10); // 5
            l.deposit(pi.member(), 1); // 6
            assertThat(l.append(pi.signTask(3, List.of(new byte[32]), 2, 0, 0, 10, 100)).seq()).isEqualTo(7);
            l.deposit(other.member(), 1); // 8
            assertThat(l.append(other.signTask(3, List.of(new byte[32]), 2, 0, 0, 10, 100)).seq()).isEqualTo(9);
            l.deposit(other.member(), 10); // 10
            assertThat(l.append(other.signTask(3, List.of(new byte[32], CAROLS), 2, 0, 0, 10, 100)).seq()).isEqualTo(11);
        }
        return List.of(pi, other);
    }

    /** What the running Pi leaves: the sealed result of task {@code task} and the agent it released the task's keys to. */
    private void stored(long task, byte[] sealed, X509Certificate releasedTo) throws Exception {
        Files.createDirectories(received());
        Files.write(received().resolve(task + ".result"), sealed);
        Files.writeString(OwnResults.agentsFile(received(), task), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(releasedTo.getEncoded()) + "\n-----END CERTIFICATE-----\n");
    }

    private AttestCommandTest.Run result(long task, SwtpmProcess tpm, Path out) {
        return AttestCommandTest.leo("task", "result", "--data-dir", data().toString(), "--task", Long.toString(task), "--tpm",
                "swtpm:127.0.0.1:" + tpm.port(), "--out", out.toString());
    }

    @Test
    void aGoodResultOpensToItsBytesAndEachBadOneIsRefusedWithTheCheckItFails() throws Exception {
        Assumptions.assumeTrue(SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        List<MemberKeys> members = ledger();
        try (SwtpmProcess tpm = SwtpmProcess.start()) {
            PublicKey wrapKey;
            try (Tpm t = Tpm.open(tpm.endpoint())) { // closed before the command runs: a swtpm serves one client at a time
                wrapKey = t.wrapKeyPublic().publicKey();
            }
            byte[] good = ResultSealer.seal(PLAINTEXT, ResultCapsule.Part.RESULT, 7, wrapKey, AGENT, AGENT_KEY);
            stored(7, good, AGENT);
            Path out = dir.resolve("grey.pgm");
            AttestCommandTest.Run r = result(7, tpm, out);
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.out()).contains("result " + received().resolve("7.result") + " " + good.length + " bytes (fetched by the Pi)\n",
                    "check task ok: the result of task #7\n",
                    "check agent ok: signed by agent certificate " + ContentAddress.of(AGENT.getEncoded()).hex(),
                    "check recipient ok: sealed to this Pi's TPM wrap key (SHA-256 of its SubjectPublicKeyInfo "
                            + ContentAddress.of(wrapKey.getEncoded()).hex() + ")\n",
                    "check payload ok: ", "check open ok: the TPM unwrapped the key; " + PLAINTEXT.length + " bytes decrypted")
                    .endsWith("out " + out + " " + PLAINTEXT.length + " bytes sha256 " + ContentAddress.of(PLAINTEXT).hex() + "\n");
            assertThat(out).hasBinaryContent(PLAINTEXT);
            assertThat(Files.getPosixFilePermissions(out)).containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                    java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            assertThat(result(7, tpm, out).status()).as("never written over a file").isEqualTo(2);

            // a result of another task (member 1's #9, sealed to this same TPM) stored as #7's
            refused(7, ResultSealer.seal(PLAINTEXT, ResultCapsule.Part.RESULT, 9, wrapKey, AGENT, AGENT_KEY), AGENT, tpm,
                    "check task failed (wrong-task): the capsule is the RESULT of task 9, expected the RESULT of task 7", List.of());
            // stdout sealed as if it were the result
            refused(7, ResultSealer.seal(PLAINTEXT, ResultCapsule.Part.STDOUT, 7, wrapKey, AGENT, AGENT_KEY), AGENT, tpm,
                    "check task failed (wrong-task)", List.of());
            // the payload tampered with: one bit of the ciphertext flipped
            byte[] tampered = good.clone();
            tampered[tampered.length - 20] ^= 0x01;
            refused(7, tampered, AGENT, tpm, "check payload failed (payload-digest-mismatch)",
                    List.of("check task ok", "check agent ok", "check recipient ok"));
            // signed by an agent this Pi released no key to
            refused(7, ResultSealer.seal(PLAINTEXT, ResultCapsule.Part.RESULT, 7, wrapKey, OTHER_AGENT, OTHER_AGENT_KEY), AGENT, tpm,
                    "check agent failed (agent-certificate-mismatch): the capsule names agent certificate "
                            + ContentAddress.of(OTHER_AGENT.getEncoded()).hex(), List.of("check task ok"));
            // not a result capsule at all
            refused(7, "no capsule".getBytes(StandardCharsets.US_ASCII), AGENT, tpm, "check capsule failed (", List.of());

            // member 1's task: not this Pi's, whatever is stored
            stored(9, good, AGENT);
            AttestCommandTest.Run notMine = result(9, tpm, dir.resolve("not-mine"));
            assertThat(notMine.status()).isEqualTo(1);
            assertThat(notMine.err()).isEqualTo("leo task result: task #9 is member " + members.get(1).memberHex() + "'s, not this Pi's (member "
                    + members.get(0).memberHex() + "), and names no data capsule this Pi holds the key of: only its data owners' TPMs open its "
                    + "result\n");
            assertThat(dir.resolve("not-mine")).doesNotExist();
            // member 1's task #11 names a data capsule of this Pi's (its key file is here): this Pi's copy opens
            Path keys = Files.createDirectories(data().resolve(org.leo.consensus.fleet.FleetAppliance.CAPSULE_KEYS));
            Files.writeString(keys.resolve(ContentAddress.ofDigest(CAROLS).hex() + ".key"), "wrap-key x\nwrapped-key " + "00".repeat(256)
                    + "\nservice 3\n");
            stored(11, ResultSealer.seal(PLAINTEXT, ResultCapsule.Part.RESULT, 11, wrapKey, AGENT, AGENT_KEY), AGENT);
            Path carols = dir.resolve("carols");
            AttestCommandTest.Run offered = result(11, tpm, carols);
            assertThat(offered.status()).as(offered.err()).isZero();
            assertThat(carols).hasBinaryContent(PLAINTEXT);
            AttestCommandTest.Run noTask = result(3, tpm, dir.resolve("no-task"));
            assertThat(noTask.status()).isEqualTo(1);
            assertThat(noTask.err()).startsWith("leo task result: entry #3 is not a task on ");
        }
    }

    private void refused(long task, byte[] sealed, X509Certificate releasedTo, SwtpmProcess tpm, String reason, List<String> passed)
            throws Exception {
        stored(task, sealed, releasedTo);
        Path out = dir.resolve("refused-" + System.nanoTime());
        AttestCommandTest.Run r = result(task, tpm, out);
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("leo task result: " + reason);
        for (String p : passed) {
            assertThat(r.out()).contains(p);
        }
        assertThat(r.out()).doesNotContain("check open ok").doesNotContain("\nout ");
        assertThat(out).as("nothing written").doesNotExist();
    }

    @Test
    void withNoStoredResultItIsFetchedFromTheExecutorsPiAndSaysWhyNot() throws Exception {
        List<MemberKeys> members = ledger();
        Path out = dir.resolve("out");
        String tpm = "swtpm:127.0.0.1:1"; // never opened: there are no bytes to open
        AttestCommandTest.Run noGroup = AttestCommandTest.leo("task", "result", "--data-dir", data().toString(), "--task", "7", "--tpm", tpm,
                "--out", out.toString());
        assertThat(noGroup.status()).isEqualTo(1);
        assertThat(noGroup.err()).isEqualTo("leo task result: no result yet: task #7 has no group on the ledger ('leo task status 7')\n");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path peers = dir.resolve("fleet-peers");
        Files.writeString(peers, new PeerList.Peer(members.get(1).member(), "127.0.0.1", closed, new byte[32], Optional.empty(), List.of()).toLine()
                + "\n");
        try (EmbeddedLedger l = EmbeddedLedger.open(data().resolve(LedgerCommand.FILE))) {
            l.append(new LedgerRecord.GroupElected(7, members.get(1).member(), members.stream().map(m -> new LedgerRecord.GroupClaim(m.member(), 1,
                    new byte[80])).sorted((x, y) -> Arrays.compareUnsigned(x.member(), y.member())).toList())); // executor member 1, this Pi a monitor
        }
        AttestCommandTest.Run unreachable = AttestCommandTest.leo("task", "result", "--data-dir", data().toString(), "--task", "7", "--tpm", tpm,
                "--out", out.toString(), "--fleet-peers", peers.toString());
        assertThat(unreachable.status()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("leo task result: no result yet: the executor's Pi " + members.get(1).memberHex() + " at 127.0.0.1:"
                + closed + " did not answer: UNAVAILABLE");
        assertThat(out).doesNotExist();
        assertThat(received().resolve("7.result")).doesNotExist();

        assertThat(AttestCommandTest.leo("task", "result", "--data-dir", data().toString(), "--task", "7", "--out", out.toString()).status())
                .as("--tpm is required").isEqualTo(2);
        assertThat(AttestCommandTest.leo("task", "result", "--data-dir", data().toString(), "--task", "0", "--tpm", tpm, "--out", out.toString())
                .status()).isEqualTo(2);
    }

    static X509Certificate cert(String name) {
        try (InputStream in = resource(name)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static PrivateKey ecKey(String name) {
        try (InputStream in = resource(name)) {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(in.readAllBytes()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fixed keys of the protocol's result capsule tests (its test jar). */
    private static InputStream resource(String name) {
        InputStream in = TaskResultCommandTest.class.getResourceAsStream("/org/leo/protocol/capsule/result/" + name);
        if (in == null) {
            throw new IllegalStateException("no resource /org/leo/protocol/capsule/result/" + name);
        }
        return in;
    }
}
