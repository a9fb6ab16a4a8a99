package org.leo.attest.enroll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.net.MacAddress;

class BootCheckTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final String NONCE = "5a".repeat(32);
    static final String K = "11".repeat(32);
    static final String I = "22".repeat(32);
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final BootManifest MANIFEST = new BootManifest("img", T0,
            List.of(new ManifestEntry("initrd.img", 2000, I), new ManifestEntry("vmlinuz", 1000, K)));
    static final String U = "66".repeat(32);
    final BootCheck check = new BootCheck(MANIFEST, List.of(List.of("vmlinuz", "initrd.img")), Duration.ofMinutes(15));
    static final BootManifest WITH_UKI = new BootManifest("img", T0, List.of(new ManifestEntry("initrd.img", 2000, I),
            new ManifestEntry("leo-hpc.efi", 3500, U), new ManifestEntry("vmlinuz", 1000, K)));
    final BootCheck kernelOrUki = new BootCheck(WITH_UKI, List.of(List.of("vmlinuz", "initrd.img"), List.of("leo-hpc.efi")),
            Duration.ofMinutes(15));

    static BootEvent file(BootStage stage, String name, long bytes, String sha, String detail) {
        return new BootEvent(T0, Optional.of(MAC), "10.77.0.10:2000", stage, Protocol.HTTP, name, bytes, sha, NONCE, detail);
    }

    /** An HTTP range transfer of bytes first..last of a {@code total}-byte file, {@code bytes} of it sent. */
    static BootEvent part(String name, long bytes, String sha, long first, long last, long total) {
        return new BootEvent(T0, Optional.of(MAC), "10.77.0.10:2000", BootStage.FILE_INCOMPLETE, Protocol.HTTP, name, bytes, sha, NONCE,
                "HTTP 10.77.0.10 sent a part", Optional.of(new org.leo.boot.events.SentRange(first, last, total)));
    }

    static BootSession session(BootEvent... files) {
        List<LoggedEvent> events = new ArrayList<>();
        events.add(new LoggedEvent(1, new BootEvent(T0, Optional.of(MAC), "10.77.0.10:2000", BootStage.SCRIPT_SERVED, Protocol.HTTP,
                "boot.ipxe", 300, "ab".repeat(32), NONCE, "script")));
        for (int i = 0; i < files.length; i++) {
            events.add(new LoggedEvent(i + 2, files[i]));
        }
        return new BootSession(MAC, NONCE, T0, 1, "ab".repeat(32), events);
    }

    @Test
    void aBootThatFetchedTheManifestsArtifactsPasses() {
        BootSession s = session(file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, ""), file(BootStage.FILE_SERVED, "initrd.img", 2000, I, ""));
        assertThat(check.problems(s, NONCE, Map.of("vmlinuz", K), T0.plusSeconds(30))).isEmpty();
    }

    @Test
    void aRefusedTftpRequestIsAForgeablePacketAndDoesNotRefuseTheBoot() {
        // one UDP packet from the HPC's address, sent blind by another machine on the segment
        BootEvent forged = new BootEvent(T0, Optional.of(MAC), "10.77.0.10:3000", BootStage.FILE_REFUSED, Protocol.TFTP, "etc/shadow", 0,
                "", NONCE, "NOT_FOUND: etc/shadow: no such file");
        BootSession s = session(file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, ""), forged,
                file(BootStage.FILE_SERVED, "initrd.img", 2000, I, ""));
        assertThat(s.refusals()).containsExactly(forged);
        assertThat(check.problems(s, NONCE, Map.of("vmlinuz", K), T0.plusSeconds(30))).isEmpty();
    }

    @Test
    void everyProblemIsNamed() {
        BootSession s = session(file(BootStage.FILE_SERVED, "vmlinuz", 1000, "33".repeat(32), ""),
                file(BootStage.FILE_REFUSED, "initrd.img", 0, "", "DIGEST_MISMATCH: initrd.img: sha256 44.. on disk"));
        assertThat(check.problems(s, NONCE, Map.of("vmlinuz", "55".repeat(32)), T0.plus(Duration.ofMinutes(20)))).containsExactly(
                "the boot with that nonce started 1200 s ago, longer than the 900 s allowed",
                "during this boot the PXE server refused initrd.img: DIGEST_MISMATCH: initrd.img: sha256 44.. on disk",
                "vmlinuz was served with sha256 3333333333333333.., the manifest says 1111111111111111..",
                "the agent says it booted vmlinuz with sha256 5555555555555555.., the manifest says 1111111111111111..",
                "initrd.img was not fetched whole during this boot");
    }

    @Test
    void anotherNonceIsTheOnlyProblemReported() {
        assertThat(check.problems(session(), "77".repeat(32), Map.of(), T0)).containsExactly(
                "the kernel command line carries boot nonce 7777777777777777.., but the latest boot of 52:54:00:77:00:10 on record has nonce 5a5a5a5a5a5a5a5a..");
    }

    @Test
    void aResumedHttpDownloadCountsWhenItsPartsCoverTheFile() {
        BootEvent k = file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, "");
        BootSession covered = session(k, part("initrd.img", 700, "aa", 0, 699, 2000),
                part("initrd.img", 1300, "bb", 700, 1999, 2000));
        assertThat(check.problems(covered, NONCE, Map.of(), T0)).isEmpty();
        BootSession gap = session(k, part("initrd.img", 700, "aa", 0, 699, 2000),
                part("initrd.img", 1000, "bb", 1000, 1999, 2000));
        assertThat(check.problems(gap, NONCE, Map.of(), T0)).containsExactly("initrd.img was not fetched whole during this boot");
        BootSession cut = session(k, part("initrd.img", 500, "aa", 0, 1999, 2000)); // a part cut short
        assertThat(check.problems(cut, NONCE, Map.of(), T0)).containsExactly("initrd.img was not fetched whole during this boot");
    }

    /** The part is a typed fact of the event: a sentence that only says "range 0-1999/2000" counts for nothing. */
    @Test
    void aPartIsNeverReadOutOfTheEventsSentence() {
        BootEvent k = file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, "");
        BootSession claimed = session(k, file(BootStage.FILE_INCOMPLETE, "initrd.img", 2000, "aa", "range 0-1999/2000"));
        assertThat(check.problems(claimed, NONCE, Map.of(), T0)).containsExactly("initrd.img was not fetched whole during this boot");
    }

    @Test
    void nonceIsReadFromTheCommandLineOnlyWhenUnambiguous() {
        assertThat(BootCheck.nonceOf("initrd=x leo.nonce=" + NONCE + " console=ttyS0")).contains(NONCE);
        assertThat(BootCheck.nonceOf("leo.nonce=" + NONCE + " leo.nonce=" + NONCE)).isEmpty();
        assertThat(BootCheck.nonceOf("leo.nonce=" + NONCE.toUpperCase())).isEmpty();
        assertThat(BootCheck.nonceOf("leo.nonce=" + NONCE.substring(2))).isEmpty();
        assertThat(BootCheck.nonceOf("")).isEmpty();
    }

    @Test
    void requiredArtifactsMustBeInTheManifest() {
        assertThatThrownBy(() -> new BootCheck(MANIFEST, List.of(List.of("bzImage")), Duration.ofMinutes(1)))
                .hasMessage("required boot artifact 'bzImage' is not in the boot manifest");
        assertThatThrownBy(() -> new BootCheck(MANIFEST, List.of(List.of("vmlinuz", "initrd.img"), List.of("leo-hpc.efi")), Duration.ofMinutes(1)))
                .hasMessage("required boot artifact 'leo-hpc.efi' is not in the boot manifest");
        assertThatThrownBy(() -> new BootCheck(MANIFEST, List.of(), Duration.ofMinutes(1)))
                .hasMessage("required boot artifacts: expected at least one non-empty set, got []");
    }

    @Test
    void aUefiBootThatFetchedTheUkiWholeInsteadOfKernelAndInitrdPasses() {
        BootSession uki = session(file(BootStage.FILE_SERVED, "leo-hpc.efi", 3500, U, ""));
        assertThat(kernelOrUki.problems(uki, NONCE, Map.of(), T0.plusSeconds(30))).isEmpty();
        BootSession bios = session(file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, ""), file(BootStage.FILE_SERVED, "initrd.img", 2000, I, ""));
        assertThat(kernelOrUki.problems(bios, NONCE, Map.of(), T0.plusSeconds(30))).isEmpty();
        BootSession resumed = session(part("leo-hpc.efi", 1500, "aa", 0, 1499, 3500),
                part("leo-hpc.efi", 2000, "bb", 1500, 3499, 3500));
        assertThat(kernelOrUki.problems(resumed, NONCE, Map.of(), T0.plusSeconds(30))).isEmpty();
        // without the UKI as an alternative, the same UEFI boot is refused as before
        assertThat(check.problems(uki, NONCE, Map.of(), T0.plusSeconds(30))).containsExactly(
                "vmlinuz was not fetched whole during this boot", "initrd.img was not fetched whole during this boot");
    }

    @Test
    void aBootThatFetchedNeitherSetWholeNamesWhatEachLacks() {
        BootSession s = session(file(BootStage.FILE_SERVED, "vmlinuz", 1000, K, ""),
                part("leo-hpc.efi", 500, "aa", 0, 1499, 3500));
        assertThat(kernelOrUki.problems(s, NONCE, Map.of("leo-hpc.efi", "77".repeat(32)), T0.plusSeconds(30))).containsExactly(
                "the agent says it booted leo-hpc.efi with sha256 7777777777777777.., the manifest says 6666666666666666..",
                "no set of boot artifacts was fetched whole during this boot: vmlinuz and initrd.img (initrd.img not), nor leo-hpc.efi (leo-hpc.efi not)");
    }
}
