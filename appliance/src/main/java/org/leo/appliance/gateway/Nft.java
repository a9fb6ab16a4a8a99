package org.leo.appliance.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code nft} command, in this network namespace or another ({@code ip netns exec NS nft ...}): the gateway's
 * only way to the kernel. Its output is read while it runs (a full attempt set lists some 1 MiB of JSON), capped, and a
 * non-zero exit is an {@link IOException} with what nft said.
 */
public final class Nft {
    /** nft answers in milliseconds; a hung one is killed after this. */
    static final long TIMEOUT_SECONDS = 30;
    /** Standard output kept: two full attempt sets as JSON fit several times over. */
    static final int MAX_OUTPUT = 16 << 20;
    /** Standard error kept for the message. */
    static final int MAX_ERROR = 4096;

    private final Optional<String> netns;

    private Nft(Optional<String> netns) {
        this.netns = netns;
    }

    /** nft in this process's network namespace. */
    public static Nft here() {
        return new Nft(Optional.empty());
    }

    /** nft in the named network namespace ({@code ip netns exec}); tests use it. */
    public static Nft inNetns(String name) {
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("not a network namespace name: '" + name + "'");
        }
        return new Nft(Optional.of(name));
    }

    /** Loads {@code ruleset} ({@code nft -f -}): one transaction, all or nothing. */
    public void load(String ruleset) throws IOException {
        run(ruleset, "-f", "-");
    }

    /** {@code nft -j list table inet leo}: the counters and attempt sets as JSON ({@link GatewayState#parse}). */
    public String listTable() throws IOException {
        return run(null, "-j", "list", "table", "inet", GatewayRuleset.TABLE);
    }

    /** {@code nft list ruleset}: every table, as text. */
    public String listRuleset() throws IOException {
        return run(null, "list", "ruleset");
    }

    /** Runs {@code nft ARGS} with {@code stdin} (may be null); returns its standard output. */
    public String run(String stdin, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        netns.ifPresent(ns -> command.addAll(List.of("ip", "netns", "exec", ns)));
        command.add("nft");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new IOException("cannot run nft (Debian package nftables): " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream(), MAX_ERROR));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = read(p.getInputStream(), MAX_OUTPUT);
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nft did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running nft", e);
        }
        if (p.exitValue() != 0) {
            String said = new String(err.join(), StandardCharsets.UTF_8).strip();
            throw new IOException("nft " + String.join(" ", args) + (netns.map(ns -> " (netns " + ns + ")").orElse("")) + " exited "
                    + p.exitValue() + ": " + (said.isEmpty() ? "no message" : said.lines().findFirst().orElse(said))
                    + (said.contains("Operation not permitted") ? " (it needs root or CAP_NET_ADMIN)" : ""));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Reads to the end, keeping at most {@code max} bytes (the rest is read and dropped, so the process never blocks). */
    private static byte[] read(InputStream in, int max) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                int room = max - kept.size();
                if (room > 0) {
                    kept.write(buf, 0, Math.min(room, n));
                }
            }
        } catch (IOException e) {
            // the process went away: what was read is what there is
        }
        return kept.toByteArray();
    }

    @Override
    public String toString() {
        return netns.map(ns -> "nft in netns " + ns).orElse("nft");
    }
}
