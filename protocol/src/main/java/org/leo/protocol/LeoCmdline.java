package org.leo.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one parser of the {@code leo.*} arguments on a kernel command line: the agent reads where to
 * enroll from it, the Pi reads the boot nonce from the command line the agent reports (and, with a
 * TPM, from PCR 12). Pure and bounded: a line over {@link #MAX_LENGTH} characters, a {@code leo.}
 * key given twice, or a malformed value leaves that value absent and says why in
 * {@link #problems()}; nothing throws. Unknown {@code leo.*} keys are ignored (a newer image may add some).
 *
 * @param nonce  {@code leo.nonce=}: the boot nonce, 64 lower-case hex digits
 * @param server {@code leo.server=}: the Pi's address, a host name or IP literal with an optional {@code :port}
 * @param ca     {@code leo.ca=}: SHA-256 of the appliance CA certificate, 64 hex digits
 * @param attest {@code leo.attest=}: {@code ENROLL-PORT:ATTEST-PORT}
 */
public record LeoCmdline(Optional<String> nonce, Optional<String> server, Optional<String> ca, Optional<String> attest, List<String> problems) {
    /** Linux accepts 2048 characters on x86 (COMMAND_LINE_SIZE); twice that is never a real one. */
    public static final int MAX_LENGTH = 4096;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SERVER = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,255}");
    private static final Pattern PORTS = Pattern.compile("[0-9]{1,5}:[0-9]{1,5}");
    private static final List<String> KEYS = List.of("nonce", "server", "ca", "attest");

    public LeoCmdline {
        problems = List.copyOf(problems);
    }

    public static LeoCmdline parse(String cmdline) {
        List<String> problems = new ArrayList<>();
        String[] values = new String[KEYS.size()];
        boolean[] twice = new boolean[KEYS.size()];
        if (cmdline.length() > MAX_LENGTH) {
            problems.add("the command line has " + cmdline.length() + " characters, at most " + MAX_LENGTH);
            return new LeoCmdline(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), problems);
        }
        for (String arg : cmdline.split("[ \\t\\n]+")) {
            if (!arg.startsWith("leo.")) {
                continue;
            }
            int eq = arg.indexOf('=');
            int k = KEYS.indexOf(eq < 0 ? arg.substring(4) : arg.substring(4, eq));
            if (k < 0) {
                continue;
            }
            if (values[k] != null || twice[k]) {
                twice[k] = true;
                continue;
            }
            values[k] = eq < 0 ? "" : arg.substring(eq + 1);
        }
        return new LeoCmdline(value(0, values, twice, HEX64, problems), value(1, values, twice, SERVER, problems),
                value(2, values, twice, HEX64, problems), value(3, values, twice, PORTS, problems), problems);
    }

    private static Optional<String> value(int k, String[] values, boolean[] twice, Pattern form, List<String> problems) {
        String key = "leo." + KEYS.get(k) + "=";
        if (twice[k]) {
            problems.add(key + " appears more than once: which one would be trusted?");
            return Optional.empty();
        }
        if (values[k] == null) {
            return Optional.empty();
        }
        if (!form.matcher(values[k]).matches()) {
            String shown = values[k].length() > 70 ? values[k].substring(0, 70) + ".." : values[k];
            problems.add(key + " is malformed: '" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            return Optional.empty();
        }
        return Optional.of(values[k]);
    }
}
