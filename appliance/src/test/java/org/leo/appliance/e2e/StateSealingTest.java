package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.pxe.vm.Exec;

/**
 * The appliance's first-boot sealing (os-image resource {@code firstboot.sh}, steps 3 and 4) on this
 * machine, against swtpm instead of the Pi's TPM and on a file instead of partition 4: the same
 * {@code cryptsetup luksFormat} with a random key file, the same {@code systemd-cryptenroll
 * --tpm2-pcrs= --wipe-slot=password} (the TPM through systemd's TCTI syntax, {@code swtpm:port=P}).
 * Afterwards the key file no longer opens the volume, the only key slot is the TPM token's, and
 * {@code systemd-cryptsetup attach} gets the key from that TPM but not from another one (whose TPM
 * refuses to load the sealed object). Where the kernel has no device-mapper (this machine) the volume
 * cannot be activated, only its key unsealed; where it has, it is activated and closed again.
 * {@code ApplianceBootIT} runs the script itself in the VM, through to the mounted state.
 */
@Tag("system")
class StateSealingTest {
    private static final Duration STEP = Duration.ofMinutes(1);
    @TempDir
    Path dir;

    @Test
    void theKeyIsSealedToThisTpmAloneAndTheRandomKeysSlotIsGone() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed (scripts/install-deps test)");
        assumeTrue(Exec.onPath("systemd-cryptenroll") && Exec.onPath("cryptsetup"), "systemd-cryptenroll or cryptsetup is missing");
        Path cryptsetupAttach = Path.of("/lib/systemd/systemd-cryptsetup");
        assumeTrue(Files.isExecutable(cryptsetupAttach), "systemd-cryptsetup is missing (Debian 12's systemd package)");
        Path volume = dir.resolve("state.img");
        try (var f = new java.io.RandomAccessFile(volume.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        Path key = Files.createFile(dir.resolve("key"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        byte[] k = new byte[64];
        new SecureRandom().nextBytes(k);
        Files.write(key, k);
        try (SwtpmProcess tpm = SwtpmProcess.start(); SwtpmProcess other = SwtpmProcess.start()) {
            run("cryptsetup", "luksFormat", "--type", "luks2", "--batch-mode", "--label", "leo-state", "--pbkdf", "pbkdf2",
                    "--pbkdf-force-iterations", "1000", "--key-file", key.toString(), volume.toString());
            String enroll = run("systemd-cryptenroll", "--unlock-key-file=" + key, "--tpm2-device=swtpm:port=" + tpm.port(), "--tpm2-pcrs=",
                    "--wipe-slot=password", volume.toString());
            assertThat(enroll).contains("New TPM2 token enrolled as key slot 1.").contains("Wiped slot 0.");

            String dump = run("cryptsetup", "luksDump", volume.toString());
            assertThat(dump).containsPattern("Keyslots:\\s+1: luks2").doesNotContainPattern("(?m)^\\s+0: luks2");
            assertThat(dump).containsPattern("Tokens:\\s+0: systemd-tpm2").contains("tpm2-hash-pcrs:   n/a").containsPattern("Keyslot:\\s+1");

            Exec.Result byKeyFile = Exec.run(STEP, List.of("cryptsetup", "open", "--test-passphrase", "--key-file", key.toString(), volume.toString()));
            assertThat(byKeyFile.exitCode()).isNotZero();
            assertThat(byKeyFile.output()).contains("No key available with this passphrase.");

            Exec.Result same = Exec.run(STEP, List.of(cryptsetupAttach.toString(), "attach", "leohP-state", volume.toString(), "none",
                    "tpm2-device=swtpm:port=" + tpm.port() + ",headless=1"));
            assertThat(same.output()).contains("Automatically discovered security TPM2 token unlocks volume.").doesNotContain("TPM2 operation failed");
            if (same.exitCode() == 0) { // a machine with device-mapper: it opened; close it again
                run(cryptsetupAttach.toString(), "detach", "leohP-state");
            } else { // here: no device-mapper, so the unsealed key cannot be used, only got
                assertThat(same.output()).contains("Failed to activate with TPM2 acquired key");
            }

            Exec.Result foreign = Exec.run(STEP, List.of(cryptsetupAttach.toString(), "attach", "leohP-state", volume.toString(), "none",
                    "tpm2-device=swtpm:port=" + other.port() + ",headless=1"));
            assertThat(foreign.exitCode()).isNotZero();
            assertThat(foreign.output()).contains("integrity check failed").contains("TPM2 operation failed")
                    .doesNotContain("TPM2 acquired key");
        }
    }

    private static String run(String... cmd) throws Exception {
        Exec.Result r = Exec.run(STEP, List.of(cmd));
        assertThat(r.exitCode()).as(String.join(" ", cmd) + ": " + r.output()).isZero();
        return r.output();
    }
}
