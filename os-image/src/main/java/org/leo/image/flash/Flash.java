package org.leo.image.flash;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code leo flash}: an appliance image onto an SD card or USB disk (docs/flashing.md), in this order, each step only
 * if the one before passed:
 * <ol>
 * <li>the signed manifest: its Ed25519 signature with the given public key, the image's entry in it
 * ({@link SignedImage});</li>
 * <li>the device ({@link FlashTarget}): a block device (a regular file only with {@code --force-file}), not the running
 * system's disk, nothing on it mounted, no swap, no holders, writable, large enough ({@link DeviceGuard}, every reason
 * reported);</li>
 * <li>the image against the entry: size and SHA-256 (a tampered or truncated image is refused here; after the device,
 * because a wrong device is refused at once and a large image takes a while to hash);</li>
 * <li>the kernel's exclusive claim ({@link ExclusiveClaim}), held to the end; {@link Mode#DRY_RUN} stops here;</li>
 * <li>the write, with progress, and fsync ({@link DeviceWriter});</li>
 * <li>the read-back of exactly the image's length from the device, not from the page cache, and its SHA-256 against
 * the signed manifest's ({@link DeviceReader}).</li>
 * </ol>
 * {@link Mode#VERIFY_ONLY} does step 1, of step 2 only that the device exists and is large enough (it only reads: a
 * mounted device can be verified), and step 6; it does not read the image file, whose name only selects the entry.
 * Anything refused before the write throws {@link FlashRefused}: nothing was written.
 */
public final class Flash {
    public enum Mode { FLASH, DRY_RUN, VERIFY_ONLY }

    /**
     * @param entry     the manifest entry to flash; empty: the image's file name
     * @param forceFile accept a regular file as the device (tests of this logic)
     */
    public record Request(Path image, Path manifest, Path publicKey, Optional<String> entry, Path device, boolean forceFile, Mode mode) { }

    /**
     * What happened.
     *
     * @param outcome   "verified" (written or verify-only, and the read-back matches), "checked" (dry run: every check
     *                  passed, nothing written), "mismatch" (the device does not hold the image)
     * @param written   bytes written (0 for a dry run or verify-only)
     * @param readBack  how the device was read back (null for a dry run)
     * @param deviceSha256 the SHA-256 of the first {@code size} bytes read back from the device (null for a dry run)
     */
    public record Result(String mode, String outcome, String image, String manifest, String imageId, String signedBy, String entry,
                         long size, String sha256, String device, String deviceName, long deviceSize, String deviceModel,
                         long written, double writeSeconds, double writeMiBps, String readBack, String deviceSha256,
                         double readSeconds, double readMiBps) {
        public boolean ok() {
            return !"mismatch".equals(outcome);
        }
    }

    private final BlockDevices host;
    private final PrintStream log;
    private final boolean terminal;

    /**
     * @param log      where progress and step lines go (standard error), or null for none
     * @param terminal whether {@code log} is a terminal (progress redraws one line)
     */
    public Flash(BlockDevices host, PrintStream log, boolean terminal) {
        this.host = host;
        this.log = log;
        this.terminal = terminal;
    }

    /** Whether standard error is a terminal. */
    public static boolean stderrIsTerminal() {
        return LinuxIo.isatty(2);
    }

    public Result run(Request r) throws FlashRefused, IOException {
        String entryName = r.entry().orElse(r.image().getFileName().toString());
        SignedImage signed = SignedImage.load(r.manifest(), r.publicKey(), entryName);
        long size = signed.entry().size();
        say("manifest: image '" + signed.imageId() + "', signed by " + signed.keyFingerprint() + "; " + entryName + ": " + size
                + " bytes, sha256 " + signed.entry().sha256Hex());
        FlashTarget target = FlashTarget.resolve(r.device(), r.forceFile(), host);
        checkTarget(r, target, size);
        if (r.mode() == Mode.VERIFY_ONLY) {
            return readBack(r, signed, target, 0, 0);
        }
        signed.check(r.image(), progress("checked image", size));
        try (ExclusiveClaim claim = target.isBlockDevice() ? claim(target) : null) {
            if (r.mode() == Mode.DRY_RUN) {
                say("dry run: every check passed; " + target.describe() + " was not written");
                return result(r, signed, target, "checked", 0, 0, null, 0);
            }
            say("writing " + entryName + " to " + target.describe());
            long writeNanos = DeviceWriter.write(r.image(), target.path(), size, progress("wrote", size));
            return readBack(r, signed, target, size, writeNanos);
        }
    }

    private void checkTarget(Request r, FlashTarget target, long size) throws FlashRefused, IOException {
        List<String> reasons = new ArrayList<>();
        if (target.isBlockDevice()) {
            List<DeviceGuard.Refusal> refusals = DeviceGuard.check(host, target.blockName().get(), size);
            for (DeviceGuard.Refusal f : refusals) {
                if (r.mode() != Mode.VERIFY_ONLY || f.reason() == DeviceGuard.Reason.TOO_SMALL || f.reason() == DeviceGuard.Reason.NOT_FOUND) {
                    reasons.add(f.sentence());
                }
            }
        } else {
            if (Files.exists(r.image()) && Files.isSameFile(target.path(), r.image())) {
                reasons.add(r.device() + " is the image itself");
            }
            if (target.size() < size) {
                reasons.add("the image (" + Progress.bytes(size) + ", " + size + " bytes) is larger than " + target.path() + " ("
                        + Progress.bytes(target.size()) + ", " + target.size() + " bytes)");
            }
        }
        if (!reasons.isEmpty()) {
            throw new FlashRefused(reasons);
        }
    }

    private static ExclusiveClaim claim(FlashTarget target) throws FlashRefused, IOException {
        try {
            return ExclusiveClaim.claim(target.path());
        } catch (ExclusiveClaim.Busy e) {
            throw new FlashRefused(e.getMessage());
        }
    }

    private Result readBack(Request r, SignedImage signed, FlashTarget target, long written, long writeNanos) throws IOException {
        long size = signed.entry().size();
        DeviceReader.ReadBack back = DeviceReader.sha256(target.path(), size, progress("read back", size));
        boolean same = back.sha256Hex().equals(signed.entry().sha256Hex());
        say("read back " + size + " bytes (" + back.method() + "): sha256 " + back.sha256Hex()
                + (same ? ", as the signed manifest says" : ", but the signed manifest says " + signed.entry().sha256Hex()));
        return result(r, signed, target, same ? "verified" : "mismatch", written, writeNanos, back, back.nanos());
    }

    private Result result(Request r, SignedImage signed, FlashTarget target, String outcome, long written, long writeNanos,
                          DeviceReader.ReadBack back, long readNanos) {
        return new Result(r.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), outcome, r.image().toString(),
                r.manifest().toString(), signed.imageId(), signed.keyFingerprint(), signed.entry().path(), signed.entry().size(),
                signed.entry().sha256Hex(), target.path().toString(), target.blockName().orElse(null), target.size(), target.model(),
                written, writeNanos / 1e9, round(Progress.mibPerSecond(written, writeNanos)), back == null ? null : back.method(),
                back == null ? null : back.sha256Hex(), readNanos / 1e9, back == null ? 0 : round(Progress.mibPerSecond(back.bytes(), readNanos)));
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private Progress progress(String verb, long total) {
        return log == null ? Progress.silent(total) : new Progress(log, terminal, verb, total, System::nanoTime);
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }
}
