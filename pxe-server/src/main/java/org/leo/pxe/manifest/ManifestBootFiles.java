package org.leo.pxe.manifest;

import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.BootPath;
import org.leo.boot.manifest.IpxeTemplate;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.Sha256;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootEventSink;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRefusal.Reason;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.ClientDirectory;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The verified artifact store: serves only files the signed manifest lists, from snapshots whose
 * digest matched (see {@link SnapshotStore}), plus the per-client iPXE script. Every refusal and
 * every finished transfer is logged and recorded in the boot event log.
 *
 * <p>Request names are validated, not rewritten ({@link BootPath}): a name with {@code ..}, a
 * leading {@code /}, a backslash, NUL, control characters or over {@link BootPath#MAX_LENGTH}
 * characters is an {@link Reason#ACCESS_VIOLATION}. A valid name that the manifest does not list
 * is {@link Reason#NOT_IN_MANIFEST} if something of that name exists in the boot root, else
 * {@link Reason#NOT_FOUND}. The configured script name always yields a generated script, even if
 * a file of that name exists.
 *
 * <p>Every request is first checked by {@link SourceCheck}: a request from an address whose lease
 * is held by one MAC, while the Pi's neighbour table maps that address to another MAC (or to
 * none), is refused as {@link Reason#SPOOFED_SOURCE} and recorded without a MAC, so it neither
 * rotates that MAC's nonce nor leaves a refusal in its boot session.
 *
 * <p>Every {@link #open} of the script name makes a new nonce and records SCRIPT_SERVED (an HTTP
 * HEAD of it too). The nonce becomes the MAC's current one only when the whole script was
 * delivered (TFTP: its last block acknowledged; HTTP: the whole response written on an established
 * TCP connection), which {@link #finished} records as a FILE_SERVED of the script; the boot
 * session starts at the latest delivered script ({@code SqliteBootEventLog.latestBoot}). So a
 * one-way spoofed request, which never acknowledges what it is sent, neither rotates the HPC's
 * nonce nor starts a session. File events carry the MAC's current nonce. The signed manifest is trusted; whatever is read from disk is served only if it
 * hashes to the manifest's digest, so even a path swapped under us cannot leak other bytes.
 *
 * <p>{@link #open} may read and hash a whole artifact on a cache miss and records events
 * synchronously; transports call it off their event loops.
 */
public final class ManifestBootFiles implements BootFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ManifestBootFiles.class);

    private final BootManifest manifest;
    private final ClientDirectory clients;
    private final SourceCheck source;
    private final BootEventSink events;
    private final SnapshotStore store;
    /** The level of "served" lines: INFO, DEBUG for the warm-up. */
    private final Level served;
    private final IpxeScript scripts = new IpxeScript();
    private final Map<MacAddress, String> currentNonce = new ConcurrentHashMap<>();
    /** Nonces of scripts made and not yet delivered, by the script's SHA-256 (unique: the text holds MAC and nonce). */
    private final Map<String, String> undelivered = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private volatile IpxeScriptConfig script;
    /** The image's script template when the manifest lists {@link IpxeTemplate#FILE}, else null (the built-in script). */
    private final IpxeTemplate template;

    /**
     * @param bootRoot the directory the manifest describes
     * @param manifest a manifest whose signature the caller verified ({@link ManifestTool#loadVerified})
     */
    public ManifestBootFiles(Path bootRoot, BootManifest manifest, ClientDirectory clients, BootEventSink events,
                             IpxeScriptConfig script, MeterRegistry registry) throws IOException {
        this(bootRoot, manifest, clients, SourceCheck.OFF, events, script, registry, false);
    }

    /** With {@code source}, every request must come from the MAC that holds its address's lease (see {@link SourceCheck}). */
    public ManifestBootFiles(Path bootRoot, BootManifest manifest, ClientDirectory clients, SourceCheck source,
                             BootEventSink events, IpxeScriptConfig script, MeterRegistry registry) throws IOException {
        this(bootRoot, manifest, clients, source, events, script, registry, false);
    }

    /**
     * With {@code quiet}, what is logged at INFO for real HPCs (files and scripts served) is logged
     * at DEBUG: for the start-up warm-up, which serves itself through this same code.
     */
    public ManifestBootFiles(Path bootRoot, BootManifest manifest, ClientDirectory clients, BootEventSink events,
                             IpxeScriptConfig script, MeterRegistry registry, boolean quiet) throws IOException {
        this(bootRoot, manifest, clients, SourceCheck.OFF, events, script, registry, quiet);
    }

    private ManifestBootFiles(Path bootRoot, BootManifest manifest, ClientDirectory clients, SourceCheck source,
                              BootEventSink events, IpxeScriptConfig script, MeterRegistry registry, boolean quiet)
            throws IOException {
        this.served = quiet ? Level.DEBUG : Level.INFO;
        this.manifest = manifest;
        this.clients = clients;
        this.source = source;
        this.events = events;
        this.script = script;
        this.registry = registry;
        this.store = new SnapshotStore(bootRoot.toRealPath(), registry);
        for (String needed : new String[] {script.kernel(), script.initrd()}) {
            if (manifest.entry(needed).isEmpty() && !quiet) {
                LOG.warn("manifest '{}' does not list {}: the iPXE script will point at a file that is refused", manifest.imageId(), needed);
            }
        }
        this.template = loadTemplate(manifest, store);
        if (template != null && !quiet) {
            LOG.info("manifest '{}': iPXE scripts are rendered from the image's {} (sha256={})", manifest.imageId(), IpxeTemplate.FILE,
                    manifest.entry(IpxeTemplate.FILE).orElseThrow().sha256Hex());
        }
    }

    /**
     * The image's template, read through the verified snapshot (so its bytes are the manifest's),
     * or null when the manifest lists none.
     *
     * @throws IOException if it is listed but missing, does not match its digest, or is malformed:
     *                     booting with another script than the image's would be a silent change
     */
    private static IpxeTemplate loadTemplate(BootManifest manifest, SnapshotStore store) throws IOException {
        Optional<ManifestEntry> entry = manifest.entry(IpxeTemplate.FILE);
        if (entry.isEmpty()) {
            return null;
        }
        try {
            ByteBuffer b = store.get(entry.get());
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return IpxeTemplate.parse(bytes);
        } catch (BootRefusal r) {
            throw new IOException("manifest '" + manifest.imageId() + "' lists " + IpxeTemplate.FILE + ", but it cannot be used: "
                    + r.getMessage(), r);
        } catch (IllegalArgumentException e) {
            throw new IOException("manifest '" + manifest.imageId() + "': " + e.getMessage(), e);
        }
    }

    /**
     * Loads and verifies every artifact the manifest lists, so the first HPC does not wait for its
     * kernel to be read and hashed (measured: about 25 ms before the first byte of an 8 MiB
     * kernel). A file that is missing or does not match is only logged here: it is refused, with
     * an event, when a client asks for it. Returns how many artifacts verified.
     */
    public int preload() {
        int ok = 0;
        for (ManifestEntry entry : manifest.entries()) {
            try {
                store.get(entry);
                ok++;
            } catch (BootRefusal r) {
                LOG.warn("manifest '{}': {} will be refused: {} ({})", manifest.imageId(), entry.path(), r.reason(),
                        r.getMessage());
            }
        }
        return ok;
    }

    /** Tells the script generator the HTTP boot server's bound port (known only after it started). */
    public void setHttpPort(int port) {
        script = script.withHttpPort(port);
    }

    /**
     * The command line a UEFI boot with {@code nonce} hands the image's UKI (see
     * {@link IpxeTemplate#ukiCommandLine}); empty without an image template that chains a UKI.
     */
    public Optional<String> ukiCommandLine(String nonce) {
        IpxeScriptConfig cfg = script;
        return template == null ? Optional.empty() : template.ukiCommandLine(nonce, cfg.serverHost(), cfg.extraArgs());
    }

    /** The bytes of the manifest's artifact {@code name}, read through the digest check; empty if it lists none. */
    public Optional<byte[]> verifiedBytes(String name) throws IOException {
        Optional<ManifestEntry> entry = manifest.entry(name);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        try {
            ByteBuffer b = store.get(entry.get());
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return Optional.of(bytes);
        } catch (BootRefusal r) {
            throw new IOException(name + ": " + r.getMessage(), r);
        }
    }

    public BootManifest manifest() {
        return manifest;
    }

    @Override
    public ServedFile open(BootRequest request) throws BootRefusal {
        Optional<MacAddress> mac = clients.macOf(request.client().getAddress());
        Optional<String> spoofed = source.problem(request.client().getAddress(), mac);
        if (spoofed.isPresent()) {
            // recorded under no MAC: a refusal in the lease holder's boot session would fail its enrollment
            throw refuse(request, Optional.empty(), Reason.SPOOFED_SOURCE, spoofed.get());
        }
        String name = request.path();
        Optional<String> problem = BootPath.problem(name);
        if (problem.isPresent()) {
            throw refuse(request, mac, name.isEmpty() ? Reason.NOT_FOUND : Reason.ACCESS_VIOLATION,
                    problem.get() + ": '" + BootPath.printable(name) + "'");
        }
        IpxeScriptConfig cfg = script;
        if (name.equals(cfg.scriptName())) {
            return script(request, mac, cfg);
        }
        Optional<ManifestEntry> entry = manifest.entry(name);
        if (entry.isEmpty()) {
            if (store.existsOnDisk(name)) {
                throw refuse(request, mac, Reason.NOT_IN_MANIFEST, name + ": not listed in the boot manifest");
            }
            throw refuse(request, mac, Reason.NOT_FOUND, name + ": no such file");
        }
        ByteBuffer content;
        try {
            content = store.get(entry.get());
        } catch (BootRefusal r) {
            throw refuse(request, mac, r.reason(), r.getMessage());
        }
        return new ServedFile(name, content, entry.get().sha256Hex(), mac, false);
    }

    @Override
    public void finished(BootRequest request, ServedFile file, TransferResult result) {
        String client = client(request.client());
        String nonce = file.mac().map(m -> currentNonce.getOrDefault(m, "")).orElse("");
        boolean whole = result.complete() && result.bytesSent() == file.size() && result.sentSha256Hex().equals(file.sha256Hex());
        // a completed HTTP Range response (a client resuming, e.g. after a server restart) is a part, not a failure
        boolean part = !whole && result.complete() && result.bytesSent() < file.size();
        String detail = String.format("%s %s %s %d of %d bytes in %d ms%s", request.protocol(), client,
                whole ? "sent" : part ? "sent a part," : "did not finish", result.bytesSent(), file.size(), result.elapsed().toMillis(),
                result.note().isEmpty() ? "" : " (" + result.note() + ")");
        if (whole) {
            LOG.atLevel(served).log("HPC {} ({}) fetched {} over {}: {} bytes in {} ms sha256={}", who(file.mac()), client, file.name(),
                    request.protocol(), result.bytesSent(), result.elapsed().toMillis(), result.sentSha256Hex());
            registry.counter("leo.boot.files.served", "protocol", request.protocol().name()).increment();
        } else {
            if (result.complete() && result.bytesSent() == file.size()) {
                LOG.error("{} {} sent {} with sha256={} but the snapshot says {}", request.protocol(), client, file.name(),
                        result.sentSha256Hex(), file.sha256Hex());
            } else {
                LOG.atLevel(served).log("HPC {} ({}) did not finish {} over {}: {}", who(file.mac()), client, file.name(),
                        request.protocol(), detail);
            }
            registry.counter("leo.boot.files.incomplete", "protocol", request.protocol().name()).increment();
        }
        if (file.generated()) {
            String scriptNonce = undelivered.remove(file.sha256Hex());
            if (whole && scriptNonce != null && file.mac().isPresent()) {
                // delivered: the client acknowledged all of it, so it is no blind one-way spoof
                safeRecord(new BootEvent(Instant.now(), file.mac(), client, BootStage.FILE_SERVED, request.protocol(), file.name(),
                        result.bytesSent(), result.sentSha256Hex(), scriptNonce, "iPXE script delivered: " + detail, result.range()));
                currentNonce.put(file.mac().get(), scriptNonce);
                LOG.atLevel(served).log("HPC {} ({}) got its iPXE script {} over {}: boot nonce {} sha256={}", file.mac().get(), client,
                        file.name(), request.protocol(), scriptNonce, file.sha256Hex());
                return;
            }
        }
        safeRecord(new BootEvent(Instant.now(), file.mac(), client, whole ? BootStage.FILE_SERVED : BootStage.FILE_INCOMPLETE,
                request.protocol(), file.name(), result.bytesSent(), result.sentSha256Hex(), nonce, detail, result.range()));
    }

    private static String who(Optional<MacAddress> mac) {
        return mac.map(MacAddress::toString).orElse("with no lease");
    }

    private ServedFile script(BootRequest request, Optional<MacAddress> mac, IpxeScriptConfig cfg) throws BootRefusal {
        if (mac.isEmpty()) {
            throw refuse(request, mac, Reason.UNKNOWN_CLIENT,
                    cfg.scriptName() + ": no lease for " + request.client().getAddress().getHostAddress());
        }
        String nonce = scripts.newNonce();
        byte[] text = IpxeScript.render(cfg, template, mac.get(), nonce, request.protocol()).getBytes(StandardCharsets.US_ASCII);
        String sha = Sha256.hex(text);
        String client = client(request.client());
        try {
            events.record(new BootEvent(Instant.now(), mac, client, BootStage.SCRIPT_SERVED, request.protocol(),
                    cfg.scriptName(), text.length, sha, nonce, "iPXE script for " + mac.get() + " over " + request.protocol()));
        } catch (RuntimeException e) {
            LOG.error("{} {} script for {} not served: boot event log failed: {}", request.protocol(), client, mac.get(), e.getMessage());
            throw new BootRefusal(Reason.ACCESS_VIOLATION, cfg.scriptName() + ": boot event log unavailable");
        }
        undelivered.put(sha, nonce);
        registry.counter("leo.boot.scripts").increment();
        LOG.debug("HPC {} ({}): iPXE script {} made over {}: boot nonce {} sha256={}", mac.get(), client, cfg.scriptName(),
                request.protocol(), nonce, sha);
        return new ServedFile(cfg.scriptName(), ByteBuffer.wrap(text), sha, mac, true);
    }

    private BootRefusal refuse(BootRequest request, Optional<MacAddress> mac, Reason reason, String message) {
        String client = client(request.client());
        LOG.warn("{} {} refused {}: {} ({})", request.protocol(), client, BootPath.printable(request.path()), reason, message);
        registry.counter("leo.boot.files.refused", "reason", reason.name()).increment();
        String nonce = mac.map(m -> currentNonce.getOrDefault(m, "")).orElse("");
        safeRecord(new BootEvent(Instant.now(), mac, client, BootStage.FILE_REFUSED, request.protocol(),
                BootPath.printable(request.path()), 0, "", nonce, reason + ": " + message));
        return new BootRefusal(reason, message);
    }

    private void safeRecord(BootEvent event) {
        try {
            events.record(event);
        } catch (RuntimeException e) {
            LOG.error("boot event log failed for {} {} {}: {}", event.stage(), event.client(), event.file(), e.getMessage());
        }
    }

    private static String client(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
