package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.leo.pxe.vm.Exec;

/**
 * Real Prometheus text-format parsers for the tests (we write no parser of our own): {@code promtool check metrics},
 * Prometheus' own Go parser, taken from Debian's prometheus package without installing it (its postinst would start a
 * Prometheus daemon) and cached in ~/.cache/leo/promtool; and the official Python client's parser
 * ({@code prometheus_client.parser}, Debian's python3-prometheus-client, under /usr/bin/python3).
 */
final class PrometheusText {
    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "leo", "promtool");

    private PrometheusText() {
    }

    record Check(int exitCode, String output) { }

    /** {@code promtool check metrics} over {@code text} (the 0.0.4 text format: scrape with Accept: text/plain). */
    static Check promtool(String text, Path work) throws IOException {
        Path tool = CACHE.resolve("usr/bin/promtool");
        if (!Files.isExecutable(tool)) {
            Path dl = Files.createDirectories(work.resolve("promtool-deb"));
            Exec.Result get = Exec.run(Duration.ofMinutes(5), List.of("sh", "-c", "cd '" + dl + "' && apt-get download prometheus"));
            if (get.exitCode() != 0) {
                throw new IOException("apt-get download prometheus (for promtool) failed: " + get.output());
            }
            Path deb;
            try (var s = Files.list(dl)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst().orElseThrow();
            }
            Files.createDirectories(CACHE);
            Exec.Result x = Exec.run(Duration.ofMinutes(2), "dpkg-deb", "-x", deb.toString(), CACHE.toString());
            if (x.exitCode() != 0) {
                throw new IOException("dpkg-deb -x " + deb + ": " + x.output());
            }
        }
        Path file = work.resolve("metrics.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Exec.Result r = Exec.run(Duration.ofSeconds(60), List.of("sh", "-c", "'" + tool + "' check metrics < '" + file + "'"));
        return new Check(r.exitCode(), r.output());
    }

    /** Every sample of {@code text} as "name{labels}" (labels sorted, as the parser gives them) -> value, by prometheus_client. */
    static Map<String, Double> parse(String text) throws IOException {
        String script = """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for f in text_string_to_metric_families(sys.stdin.read()):
                    for s in f.samples:
                        labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
                        print("%s%s\\t%r" % (s.name, "{" + labels + "}" if labels else "", s.value))
                """;
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("prometheus_client could not parse the page: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int tab = line.lastIndexOf('\t');
            if (tab > 0) {
                values.put(line.substring(0, tab), Double.parseDouble(line.substring(tab + 1)));
            }
        }
        return values;
    }
}
