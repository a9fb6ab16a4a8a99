package org.leo.image.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The modules of the pinned kernel package ({@code lib/modules/VERSION/kernel/**.ko}), by name, and
 * the closure of a selection over their {@code depends=} ({@link ElfFile#moduleDepends()}), in an
 * order where each module comes after those it depends on (the initramfs loads them with insmod in
 * that order). Names compare with '-' and '_' as one, as the kernel does. A module built into the
 * kernel ({@code modules.builtin}) is skipped; one that is neither is an error naming it.
 */
final class KernelModules {
    /** A module: its name as the kernel knows it, its path under lib/modules/VERSION, its file. */
    record Module(String name, String path, Path file) {
    }

    private final Path dir;
    private final Map<String, Module> byName = new TreeMap<>();
    private final Set<String> builtin = new java.util.HashSet<>();
    private final Map<String, List<String>> depends = new HashMap<>();

    /** @param dir the kernel package's lib/modules/VERSION */
    KernelModules(Path dir) throws IOException {
        this.dir = dir;
        try (Stream<Path> s = Files.walk(dir.resolve("kernel"))) {
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".ko")).sorted().toList()) {
                String file = p.getFileName().toString();
                String name = normal(file.substring(0, file.length() - 3));
                byName.putIfAbsent(name, new Module(name, dir.relativize(p).toString(), p));
            }
        }
        for (String line : Files.readAllLines(dir.resolve("modules.builtin"))) {
            String f = line.substring(line.lastIndexOf('/') + 1);
            if (f.endsWith(".ko")) {
                builtin.add(normal(f.substring(0, f.length() - 3)));
            }
        }
    }

    Path dir() {
        return dir;
    }

    /** Every module whose path under lib/modules/VERSION starts with one of {@code prefixes}. */
    List<String> under(Collection<String> prefixes) {
        return byName.values().stream().filter(m -> prefixes.stream().anyMatch(m.path()::startsWith)).map(Module::name).toList();
    }

    /**
     * {@code roots} and every module they need, each after its dependencies; roots built into the
     * kernel are left out.
     *
     * @throws IOException naming a root or dependency the kernel has neither as a module nor built in
     */
    List<Module> closure(Collection<String> roots) throws IOException {
        LinkedHashSet<String> order = new LinkedHashSet<>();
        for (String r : roots) {
            visit(normal(r), order, new LinkedHashSet<>(), r);
        }
        List<Module> out = new ArrayList<>();
        for (String n : order) {
            out.add(byName.get(n));
        }
        return out;
    }

    private void visit(String name, LinkedHashSet<String> order, LinkedHashSet<String> path, String root) throws IOException {
        if (order.contains(name)) {
            return;
        }
        Module m = byName.get(name);
        if (m == null) {
            if (builtin.contains(name)) {
                return;
            }
            throw new IOException("kernel module " + name + (path.isEmpty() ? "" : " (needed by " + String.join(" <- ", path) + ")")
                    + " is neither in " + dir + " nor built in");
        }
        if (!path.add(name)) {
            throw new IOException("kernel modules depend on each other in a cycle: " + String.join(" -> ", path) + " -> " + name);
        }
        for (String d : dependsOf(m)) {
            visit(d, order, path, root);
        }
        path.remove(name);
        order.add(name);
    }

    private List<String> dependsOf(Module m) throws IOException {
        List<String> d = depends.get(m.name());
        if (d == null) {
            try {
                d = ElfFile.parse(Files.readAllBytes(m.file())).moduleDepends().stream().map(KernelModules::normal).toList();
            } catch (ElfFormatException e) {
                throw new IOException(m.file() + ": " + e.getMessage(), e);
            }
            depends.put(m.name(), d);
        }
        return d;
    }

    static String normal(String name) {
        return name.replace('-', '_');
    }
}
