package org.leo.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a service image is built from ({@code os-image/services/NAME.service}), one directive a line,
 * {@code #} starting a comment line:
 * <pre>
 * service NAME                          the image's name (1..64 of [a-z0-9.-])
 * deb PACKAGE VERSION ARCH SHA256       a pinned Debian package, as in inputs.lock (all of one architecture)
 * only PACKAGE PATH...                  of that package, take only these files (and its libraries otherwise: none)
 * busybox APPLET...                     bin/APPLET -&gt; busybox for each (the busybox-static package's bin/busybox)
 * </pre>
 * Of each package the image takes its programs and libraries ({@code bin}, {@code sbin}, {@code lib*},
 * {@code usr/bin}, {@code usr/sbin}, {@code usr/lib}), never {@code usr/share} or locale conversion
 * modules; with {@code only}, just the listed paths. The libraries a program needs are not found
 * by the builder: the spec lists their packages, and the tests run the programs in the image.
 */
public record ServiceSpec(String name, InputsLock lock, Map<String, List<String>> only, List<String> applets) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");
    private static final Pattern APPLET = Pattern.compile("[a-z0-9_.\\[-]+");
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9_.+/-]+");

    public ServiceSpec {
        only = Map.copyOf(only);
        applets = List.copyOf(applets);
    }

    public static ServiceSpec read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** @throws IllegalArgumentException naming {@code source} and the line */
    public static ServiceSpec parse(String text, String source) {
        String name = null;
        StringBuilder debs = new StringBuilder();
        Map<String, List<String>> only = new LinkedHashMap<>();
        List<String> applets = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            String where = source + " line " + (i + 1) + ": ";
            if (line.isEmpty() || line.startsWith("#")) {
                debs.append('\n'); // keeps InputsLock's line numbers equal to the spec's
                continue;
            }
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "deb" -> debs.append(line);
                case "service" -> {
                    if (f.length != 2 || !NAME.matcher(f[1]).matches() || name != null) {
                        throw new IllegalArgumentException(where + "expected one 'service NAME' (1..64 of a-z 0-9 . -)");
                    }
                    name = f[1];
                }
                case "only" -> {
                    if (f.length < 3) {
                        throw new IllegalArgumentException(where + "expected 'only PACKAGE PATH...'");
                    }
                    for (int k = 2; k < f.length; k++) {
                        String p = f[k].startsWith("/") ? f[k].substring(1) : f[k];
                        if (!PATH.matcher(p).matches() || p.contains("..")) {
                            throw new IllegalArgumentException(where + "path '" + f[k] + "' is malformed");
                        }
                        only.computeIfAbsent(f[1], x -> new ArrayList<>()).add(p);
                    }
                }
                case "busybox" -> {
                    for (int k = 1; k < f.length; k++) {
                        if (!APPLET.matcher(f[k]).matches()) {
                            throw new IllegalArgumentException(where + "applet '" + f[k] + "' is malformed");
                        }
                        applets.add(f[k]);
                    }
                }
                default -> throw new IllegalArgumentException(where + "expected service, deb, only or busybox, got: "
                        + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
            }
            if (!f[0].equals("deb")) {
                debs.append('#');
            }
            debs.append('\n');
        }
        if (name == null) {
            throw new IllegalArgumentException(source + ": no 'service NAME' line");
        }
        InputsLock lock = InputsLock.parse(debs.toString(), source);
        for (String p : only.keySet()) {
            if (lock.deb(p).isEmpty()) {
                throw new IllegalArgumentException(source + ": 'only " + p + "' names a package the spec does not pin");
            }
        }
        if (!applets.isEmpty() && lock.deb("busybox-static").isEmpty()) {
            throw new IllegalArgumentException(source + ": busybox applets without busybox-static pinned");
        }
        return new ServiceSpec(name, lock, only, applets);
    }

    /** Debian's architecture of the packages (amd64, arm64): the image config's {@code architecture}. */
    public String arch() {
        return lock.arch();
    }
}
