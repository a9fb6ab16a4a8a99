package org.leo.image.appliance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The root's {@code /etc/passwd} and {@code /etc/group}, made at build time from the
 * {@code sysusers.d(5)} files of its packages and of the image ({@code leo-appliance.conf}: tss and
 * leo, which Debian's maintainer scripts would create), because the read-only root cannot take the
 * users systemd-sysusers would add at boot. With every declared user and group present, it adds
 * none. Lines: {@code u NAME ID "GECOS" HOME SHELL}, {@code g NAME ID}, {@code m USER GROUP};
 * {@code r} ranges are ignored. An ID of {@code -} is allocated downwards from 999, as sysusers
 * does, in the order the files (by name) and their lines give, so the result depends only on the
 * files. No password anywhere: passwd says {@code x}, and the image has no shadow file, so no
 * account can log in.
 */
public final class SysUsers {
    static final int FIRST_SYSTEM_ID = 999;
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    /** The two files' text. */
    public record Files(String passwd, String group) {
    }

    private record User(String name, int uid, int gid, String gecos, String home, String shell) {
    }

    private SysUsers() {
    }

    /**
     * @param confs file name to text, every {@code sysusers.d/*.conf} of the root
     * @throws IllegalArgumentException naming the file and line of a malformed or conflicting line
     */
    public static Files build(Map<String, String> confs) {
        Map<String, Integer> groups = new LinkedHashMap<>();
        Map<String, User> users = new LinkedHashMap<>();
        Map<String, List<String>> members = new TreeMap<>();
        List<String[]> autoUsers = new ArrayList<>();
        List<String[]> lines = new ArrayList<>();
        for (Map.Entry<String, String> f : new TreeMap<>(confs).entrySet()) {
            String[] text = f.getValue().split("\n", -1);
            for (int i = 0; i < text.length; i++) {
                String line = text[i].strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                List<String> fields = fields(line, f.getKey() + " line " + (i + 1));
                fields.add(0, f.getKey() + " line " + (i + 1));
                lines.add(fields.toArray(String[]::new));
            }
        }
        // groups with fixed ids first, then users with fixed ids (and their same-named groups), then the automatic ones
        for (String[] l : lines) {
            if (l[1].equals("g") && !l[3].equals("-")) {
                addGroup(groups, l[2], number(l[3], l[0]), l[0]);
            }
        }
        for (String[] l : lines) {
            if (l[1].equals("u") && !field(l, 3).startsWith("-")) {
                String[] id = field(l, 3).split(":", 2);
                int uid = number(id[0], l[0]);
                int gid;
                if (id.length == 2) {
                    gid = id[1].matches("[0-9]+") ? number(id[1], l[0]) : gidOf(groups, id[1], l[0]);
                } else {
                    gid = groups.containsKey(l[2]) ? groups.get(l[2]) : uid;
                    addGroup(groups, l[2], gid, l[0]);
                }
                addUser(users, new User(l[2], uid, gid, gecos(field(l, 4)), orDefault(field(l, 5), "/"), orDefault(field(l, 6),
                        "/usr/sbin/nologin")), l[0]);
            } else if (l[1].equals("u")) {
                autoUsers.add(l);
            }
        }
        for (String[] l : lines) {
            if (l[1].equals("g") && l[3].equals("-") && !groups.containsKey(l[2])) {
                addGroup(groups, l[2], free(groups.values(), users.values().stream().map(User::uid).toList()), l[0]);
            }
        }
        for (String[] l : autoUsers) {
            List<Integer> usedUids = users.values().stream().map(User::uid).toList();
            int gid;
            int uid;
            String[] id = field(l, 3).split(":", 2);
            if (id.length == 2) { // "-:GROUP": an automatic uid in a declared group
                gid = id[1].matches("[0-9]+") ? number(id[1], l[0]) : gidOf(groups, id[1], l[0]);
                uid = free(List.of(), usedUids);
            } else if (groups.containsKey(l[2])) {
                gid = groups.get(l[2]);
                uid = usedUids.contains(gid) ? free(List.of(), usedUids) : gid;
            } else {
                uid = free(groups.values(), usedUids);
                gid = uid;
                addGroup(groups, l[2], gid, l[0]);
            }
            addUser(users, new User(l[2], uid, gid, gecos(field(l, 4)), orDefault(field(l, 5), "/"), orDefault(field(l, 6), "/usr/sbin/nologin")), l[0]);
        }
        for (String[] l : lines) {
            if (l[1].equals("m")) {
                if (!users.containsKey(l[2]) || !groups.containsKey(field(l, 3))) {
                    throw new IllegalArgumentException(l[0] + ": 'm " + l[2] + " " + field(l, 3) + "' names an undeclared user or group");
                }
                members.computeIfAbsent(field(l, 3), k -> new ArrayList<>()).add(l[2]);
            }
        }
        StringBuilder passwd = new StringBuilder();
        users.values().stream().sorted(java.util.Comparator.comparingInt(User::uid)).forEach(u -> passwd.append(u.name()).append(":x:")
                .append(u.uid()).append(':').append(u.gid()).append(':').append(u.gecos()).append(':').append(u.home()).append(':')
                .append(u.shell()).append('\n'));
        StringBuilder group = new StringBuilder();
        groups.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(g -> group.append(g.getKey()).append(":x:")
                .append(g.getValue()).append(':').append(String.join(",", members.getOrDefault(g.getKey(), List.of()))).append('\n'));
        return new Files(passwd.toString(), group.toString());
    }

    /** The whitespace-separated fields, a double-quoted one (the GECOS) kept whole without its quotes. */
    static List<String> fields(String line, String where) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                int end = line.indexOf('"', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException(where + ": unterminated quote");
                }
                out.add(line.substring(i + 1, end));
                i = end + 1;
            } else {
                int end = i;
                while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
                    end++;
                }
                out.add(line.substring(i, end));
                i = end;
            }
        }
        if (out.size() < 2 || !List.of("u", "g", "m", "r").contains(out.get(0))) {
            throw new IllegalArgumentException(where + ": expected 'u|g|m|r NAME ...', got: " + line);
        }
        if (!out.get(0).equals("r") && !NAME.matcher(out.get(1)).matches()) {
            throw new IllegalArgumentException(where + ": name '" + out.get(1) + "' is malformed");
        }
        return out;
    }

    private static String field(String[] l, int i) {
        return i < l.length ? l[i] : "-";
    }

    private static String orDefault(String v, String dflt) {
        return v.equals("-") ? dflt : v;
    }

    private static String gecos(String v) {
        if (v.contains(":") || v.contains("\n")) {
            throw new IllegalArgumentException("GECOS '" + v + "' holds a ':'");
        }
        return v.equals("-") ? "" : v;
    }

    private static int number(String s, String where) {
        if (!s.matches("[0-9]{1,10}") || Long.parseLong(s) > 65535) {
            throw new IllegalArgumentException(where + ": id '" + s + "' is not a number up to 65535 (or -)");
        }
        return Integer.parseInt(s);
    }

    private static int gidOf(Map<String, Integer> groups, String name, String where) {
        Integer g = groups.get(name);
        if (g == null) {
            throw new IllegalArgumentException(where + ": group " + name + " is not declared before it is used");
        }
        return g;
    }

    private static void addGroup(Map<String, Integer> groups, String name, int gid, String where) {
        Integer old = groups.get(name);
        if (old != null && old != gid) {
            throw new IllegalArgumentException(where + ": group " + name + " declared with gid " + gid + " and " + old);
        }
        if (old == null && groups.containsValue(gid)) {
            throw new IllegalArgumentException(where + ": gid " + gid + " of group " + name + " is taken");
        }
        groups.put(name, gid);
    }

    private static void addUser(Map<String, User> users, User u, String where) {
        User old = users.get(u.name());
        if (old != null && old.uid() != u.uid()) {
            throw new IllegalArgumentException(where + ": user " + u.name() + " declared with uid " + u.uid() + " and " + old.uid());
        }
        if (old == null && users.values().stream().anyMatch(x -> x.uid() == u.uid())) {
            throw new IllegalArgumentException(where + ": uid " + u.uid() + " of user " + u.name() + " is taken");
        }
        users.putIfAbsent(u.name(), u);
    }

    /** The highest system id at most {@value #FIRST_SYSTEM_ID} that neither list holds. */
    private static int free(java.util.Collection<Integer> a, java.util.Collection<Integer> b) {
        for (int id = FIRST_SYSTEM_ID; id > 0; id--) {
            if (!a.contains(id) && !b.contains(id)) {
                return id;
            }
        }
        throw new IllegalArgumentException("no free system id left");
    }
}
