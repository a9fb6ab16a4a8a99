package org.leo.appliance.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.leo.image.flash.BlockDevices;
import org.leo.image.flash.Flash;
import org.leo.image.flash.FlashRefused;
import org.leo.image.flash.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code leo flash}: write a signed appliance image to an SD card or USB disk and verify it there (docs/flashing.md). */
@Command(name = "flash",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Write a signed appliance image to an SD card or disk, then read it back and verify it against the signed manifest.",
        descriptionHeading = "%nDescription:%n",
        description = {
            "Checks, in this order, and writes nothing unless every check passes: the manifest's Ed25519 signature with "
                + "--public-key, and the image's entry in it (by default the entry named as the image file); the device: a block "
                + "device, not the running system's disk (the disk under /, /boot, /boot/efi, /boot/firmware, /usr or any swap "
                + "area, found through /proc/self/mountinfo, /proc/swaps, partitions, device-mapper and md slaves and loop backing "
                + "files), nothing on it mounted, no swap on it, no device-mapper, md or LVM holder, a whole disk (not a "
                + "partition), not read-only, not smaller "
                + "than the image (every reason to refuse is reported); then the image's size and SHA-256 against the signed "
                + "manifest; then the kernel's exclusive claim on the device (open with O_EXCL), which it holds until the end.",
            "",
            "It then writes the image from the device's first byte with progress on standard error (bytes, MiB/s, time left: "
                + "a line a second, or one line redrawn on a terminal), fsyncs the device, and reads exactly the image's length "
                + "back with O_DIRECT, so the bytes come from the device and not from the page cache the write filled, and "
                + "compares their SHA-256 with the signed manifest's.",
            "",
            "--dry-run stops after the checks. --verify-only writes nothing and reads the device back against the manifest "
                + "(the image file is not read: its name only selects the entry; the device may be mounted).",
            "",
            "With --json: {mode, outcome, image, manifest, imageId, signedBy, entry, size, sha256, device, deviceName, "
                + "deviceSize, deviceModel, written, writeSeconds, writeMiBps, readBack, deviceSha256, readSeconds, readMiBps} "
                + "(outcome: verified, checked for a dry run, or mismatch; readBack says how the device was read), or, when "
                + "nothing was written, {mode, outcome: refused, reasons}."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:verified (or, with --dry-run, every check passed)",
            "1:the device does not hold the image (the read-back differs from the signed manifest), or writing or reading it failed",
            "2:refused, nothing was written: invalid options; a manifest that does not parse or verify; an image that does not match it; "
                + "a device that is not a block device, is the running system's disk, is mounted, in use or too small"},
        footerHeading = "%nExamples:%n",
        footer = {"  leo flash --image leo-pi.img --public-key release.pub --device /dev/sdb",
            "  leo flash --image leo-pi.img --public-key release.pub --device /dev/mmcblk0 --dry-run",
            "  leo flash --image leo-pi.img --public-key release.pub --device /dev/sdb --verify-only",
            "",
            "See docs/flashing.md for what is checked and which test proves each check."})
public class FlashCommand implements Callable<Integer> {
    /** The manifest next to the image when --manifest is not given: what the image builders write. */
    static final String DEFAULT_MANIFEST = "boot-manifest";

    @Spec
    CommandSpec spec;

    @Option(names = "--image", paramLabel = "FILE", required = true, description = "The image to write (a raw disk image).")
    Path image;

    @Option(names = "--device", paramLabel = "DEVICE", required = true,
            description = "The whole SD card or disk to overwrite: /dev/sdX, /dev/mmcblkN, or a link to one such as /dev/disk/by-id/...")
    Path device;

    @Option(names = "--public-key", paramLabel = "FILE", required = true,
            description = "The Ed25519 public key that signed the manifest (SubjectPublicKeyInfo PEM, as 'leo pxe manifest keygen' writes it).")
    Path publicKey;

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "The signed manifest that lists the image. Default: the file " + DEFAULT_MANIFEST + " beside the image.")
    Path manifest;

    @Option(names = "--entry", paramLabel = "NAME", description = "The manifest entry of the image. Default: the image's file name.")
    String entry;

    @Option(names = "--dry-run", description = "Make every check, including the exclusive claim, and write nothing.")
    boolean dryRun;

    @Option(names = "--verify-only", description = "Write nothing: read the device back and compare it with the signed manifest.")
    boolean verifyOnly;

    @Option(names = "--force-file",
            description = "Accept a regular file as the device (it is written in place, never created or truncated). For tests of "
                    + "this command's logic only: a file is not checked for being mounted or in use.")
    boolean forceFile;

    @Mixin
    JsonOption output = new JsonOption();

    /** The --json document when nothing was written. */
    record Refused(String mode, String outcome, List<String> reasons) { }

    @Override
    public Integer call() throws Exception {
        if (dryRun && verifyOnly) {
            throw new ParameterException(spec.commandLine(), "--dry-run and --verify-only exclude each other");
        }
        Flash.Mode mode = dryRun ? Flash.Mode.DRY_RUN : verifyOnly ? Flash.Mode.VERIFY_ONLY : Flash.Mode.FLASH;
        Path man = manifest != null ? manifest : image.toAbsolutePath().resolveSibling(DEFAULT_MANIFEST);
        Flash.Request request = new Flash.Request(image, man, publicKey, Optional.ofNullable(entry), device, forceFile, mode);
        Flash.Result r;
        try {
            r = new Flash(BlockDevices.host(), System.err, Flash.stderrIsTerminal()).run(request);
        } catch (FlashRefused e) {
            System.err.println("leo flash: refused, nothing was written: " + e.getMessage());
            if (output.json) {
                Json.print(new Refused(modeName(mode), "refused", e.reasons()));
            }
            return 2;
        }
        if (!r.ok()) {
            System.err.println("leo flash: " + r.device() + " does not hold the image: its first " + r.size() + " bytes have SHA-256 "
                    + r.deviceSha256() + ", the signed manifest says " + r.sha256());
        }
        if (output.json) {
            Json.print(r);
        } else if (r.ok()) {
            System.out.println(sentence(r));
        }
        return r.ok() ? 0 : 1;
    }

    private static String modeName(Flash.Mode mode) {
        return mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** The result in one line of text. */
    static String sentence(Flash.Result r) {
        String what = r.entry() + " (" + r.size() + " bytes, sha256 " + r.sha256() + ") of image '" + r.imageId() + "', signed by " + r.signedBy();
        if ("checked".equals(r.outcome())) {
            return "checked: " + r.device() + " may be written with " + what + "; nothing was written (--dry-run)";
        }
        return "verified: " + r.device() + " holds " + what + (r.written() > 0 ? "; wrote " + Progress.bytes(r.written()) + " in "
                + String.format(java.util.Locale.ROOT, "%.1f s (%.1f MiB/s)", r.writeSeconds(), r.writeMiBps()) : "")
                + "; read back with " + r.readBack() + String.format(java.util.Locale.ROOT, " in %.1f s", r.readSeconds());
    }
}
