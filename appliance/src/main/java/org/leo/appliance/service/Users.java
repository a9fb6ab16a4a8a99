package org.leo.appliance.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The operator users of the dashboard and API: a file of {@code name:role[,role]:hash} lines, the hash being
 * {@code pbkdf2-sha256$ITERATIONS$SALT$KEY} (base64, 16-byte random salt, 256-bit key; OWASP's 2023 figure of 600,000
 * iterations would take seconds per login on a Pi, so {@value #ITERATIONS}). No password is kept anywhere. The file is
 * read again when it changes, so a removed user or role takes effect at their next request.
 */
public final class Users {
    public static final Set<String> ROLES = Set.of("viewer", "operator");
    public static final int ITERATIONS = 210_000;
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
    private static final String SCHEME = "pbkdf2-sha256";

    /** One user as stored. */
    public record User(String name, Set<String> roles, String hash) {
        public User {
            roles = Set.copyOf(roles);
        }
    }

    private final Path file;
    private volatile Map<String, User> users = Map.of();
    private volatile FileTime readAt;
    private volatile long readSize = -1;

    public Users(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The user's roles if {@code password} is theirs. Takes as long for an unknown user as for a wrong password. */
    public Optional<Set<String>> check(String name, char[] password) {
        User u = current().get(name);
        String hash = u != null ? u.hash() : Dummy.HASH;
        boolean ok = verify(password, hash);
        return ok && u != null ? Optional.of(u.roles()) : Optional.empty();
    }

    /** The user's roles as the file says now; empty if the user is gone. */
    public Optional<Set<String>> roles(String name) {
        return Optional.ofNullable(current().get(name)).map(User::roles);
    }

    public List<User> all() {
        return List.copyOf(current().values());
    }

    /** What an unknown user's password is checked against (same cost as a real one); made at the first unknown name, not at start. */
    private static final class Dummy {
        static final String HASH = hash("not-a-password".toCharArray(), new byte[16]);
    }

    private Map<String, User> current() {
        try {
            if (!Files.exists(file)) {
                users = Map.of();
                readAt = null;
                return users;
            }
            FileTime t = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (!t.equals(readAt) || size != readSize) {
                users = parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
                readAt = t;
                readSize = size;
            }
        } catch (IOException | IllegalArgumentException e) {
            // keep the last good set: a half-written or broken file must not log everyone out (or in)
            org.slf4j.LoggerFactory.getLogger(Users.class).warn("users file {}: {}; keeping the {} user(s) read before", file, e.getMessage(),
                    users.size());
        }
        return users;
    }

    /** Parses the file's lines; a malformed line is an error naming its line number. */
    public static Map<String, User> parse(List<String> lines, String source) {
        Map<String, User> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length != 3 || !NAME.matcher(f[0]).matches() || !f[2].startsWith(SCHEME + "$")) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected name:role[,role]:" + SCHEME + "$...");
            }
            Set<String> roles = new LinkedHashSet<>(Arrays.asList(f[1].split(",")));
            if (!ROLES.containsAll(roles)) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": roles are " + ROLES + ", not " + f[1]);
            }
            out.put(f[0], new User(f[0], roles, f[2]));
        }
        return out;
    }

    /** Adds or replaces {@code name} (atomically, file mode 0640). */
    public static void put(Path file, String name, Set<String> roles, char[] password) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a user name is 1 to 32 of a-z 0-9 _ . - and starts with a letter or _: '" + name + "'");
        }
        if (roles.isEmpty() || !ROLES.containsAll(roles)) {
            throw new IllegalArgumentException("roles are " + ROLES + ": " + roles);
        }
        if (password.length < 8) {
            throw new IllegalArgumentException("a password has at least 8 characters");
        }
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Map<String, User> users = new LinkedHashMap<>(read(file));
        users.put(name, new User(name, roles, hash(password, salt)));
        write(file, users);
    }

    /** Removes {@code name}; false if there was no such user. */
    public static boolean remove(Path file, String name) throws IOException {
        Map<String, User> users = new LinkedHashMap<>(read(file));
        if (users.remove(name) == null) {
            return false;
        }
        write(file, users);
        return true;
    }

    public static Map<String, User> read(Path file) throws IOException {
        return Files.exists(file) ? parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString()) : Map.of();
    }

    private static void write(Path file, Map<String, User> users) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Leo operator users: name:role[,role]:hash. Written by 'leo user'; roles: viewer (read), operator (read and act).");
        for (User u : users.values()) {
            lines.add(u.name() + ":" + String.join(",", new java.util.TreeSet<>(u.roles())) + ":" + u.hash());
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".users", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its own permissions apply
            }
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String hash(char[] password, byte[] salt) {
        return SCHEME + "$" + ITERATIONS + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(pbkdf2(password, salt, ITERATIONS));
    }

    static boolean verify(char[] password, String stored) {
        String[] p = stored.split("\\$");
        if (p.length != 4 || !SCHEME.equals(p[0])) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(p[1]);
            if (iterations < 10_000 || iterations > 10_000_000) {
                return false;
            }
            byte[] expected = Base64.getDecoder().decode(p[3]);
            return MessageDigest.isEqual(expected, pbkdf2(password, Base64.getDecoder().decode(p[2]), iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        }
    }
}
