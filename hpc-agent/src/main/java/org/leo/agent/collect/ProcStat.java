package org.leo.agent.collect;

/**
 * The fields the agent uses from one {@code /proc/<pid>/stat} line (proc(5)):
 * {@code pid (comm) state ppid ...}. The command name sits in parentheses and may itself contain
 * spaces and parentheses (a process can name itself {@code "a) R 1 (b"}), so it runs from the
 * first {@code '('} to the <em>last</em> {@code ')'}.
 *
 * @param pid   process id (field 1)
 * @param comm  command name (field 2), at most {@link #MAX_COMM_LENGTH} characters, control
 *              characters replaced by {@code '?'}
 * @param state one-letter state (field 3): R, S, D, Z, T, t, X, I, ...
 * @param ppid  parent process id (field 4); 0 for the kernel's own roots
 */
public record ProcStat(int pid, String comm, char state, int ppid) {
    /** The kernel's TASK_COMM_LEN is 16; a longer name in a crafted file is cut to this. */
    public static final int MAX_COMM_LENGTH = 64;
    /** Longest stat line parsed (a real one is ~300 bytes). */
    public static final int MAX_LINE_LENGTH = 4096;
    /** Longest pid field: Linux PID_MAX_LIMIT is 2^22, seven digits; ten still fit an int. */
    private static final int MAX_PID_DIGITS = 9;

    /**
     * Parses one stat line. Pure; throws only {@link ProcFormatException} with a sentence.
     */
    public static ProcStat parse(String line) {
        if (line.length() > MAX_LINE_LENGTH) {
            throw new ProcFormatException("stat line: expected at most " + MAX_LINE_LENGTH + " characters, got "
                    + line.length());
        }
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new ProcFormatException("stat line has no \"(comm)\" field");
        }
        int pid = number(line.substring(0, open).strip(), "pid");
        String comm = Text.printable(line.substring(open + 1, close), MAX_COMM_LENGTH);
        String[] rest = line.substring(close + 1).strip().split(" ", 3);
        if (rest.length < 2 || rest[0].length() != 1) {
            throw new ProcFormatException("stat line of pid " + pid + ": expected \"state ppid\" after the comm");
        }
        return new ProcStat(pid, comm, rest[0].charAt(0), number(rest[1], "ppid"));
    }

    private static int number(String s, String what) {
        if (!Text.isDigits(s, MAX_PID_DIGITS)) {
            throw new ProcFormatException("stat line: " + what + " \"" + Text.printable(s, 16) + "\" is not a number");
        }
        return Integer.parseInt(s);
    }
}
