package org.leo.appliance.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.consensus.vrf.VrfVerdict;

/**
 * {@code leo vrf verify --batch}: one verdict line for each 'PK PROOF ALPHA' line. Input is
 * untrusted: a line that is not three hex fields, or longer than {@link #MAX_LINE_CHARS}, gets
 * {@code invalid malformed line: ...}, and the next line is read as usual.
 */
final class VrfBatch {
    /** Lines are read whole into memory: 1 MiB of characters bounds what one line may take (an alpha of up to ~0.5 MiB). */
    static final int MAX_LINE_CHARS = 1 << 20;

    record Totals(int lines, int valid) {
        boolean allValid() {
            return valid == lines;
        }
    }

    private VrfBatch() {
    }

    static Totals run(Reader reader, Consumer<String> out) throws IOException {
        Reader in = reader instanceof BufferedReader ? reader : new BufferedReader(reader);
        int lines = 0;
        int valid = 0;
        StringBuilder line = new StringBuilder();
        boolean tooLong = false;
        boolean pending = false;
        int ch;
        while ((ch = in.read()) != -1 || pending) {
            if (ch == -1 || ch == '\n') {
                String verdict = tooLong ? "invalid malformed line: longer than " + MAX_LINE_CHARS + " characters" : verdict(line);
                out.accept(verdict);
                lines++;
                valid += verdict.startsWith("valid ") ? 1 : 0;
                line.setLength(0);
                tooLong = false;
                pending = false;
                if (ch == -1) {
                    break;
                }
                continue;
            }
            pending = true;
            if (line.length() < MAX_LINE_CHARS) {
                line.append((char) ch);
            } else {
                tooLong = true;
            }
        }
        return new Totals(lines, valid);
    }

    /** The verdict line for one input line (without its newline; a trailing CR is ignored). */
    static String verdict(CharSequence raw) {
        String line = raw.toString().strip();
        String[] f = line.isEmpty() ? new String[0] : line.split("[ \t]+");
        if (f.length != 3) {
            return "invalid malformed line: expected 3 fields (PK PROOF ALPHA), got " + f.length;
        }
        byte[][] b = new byte[3][];
        String[] names = {"PK", "PROOF", "ALPHA"};
        for (int i = 0; i < 3; i++) {
            try {
                b[i] = "-".equals(f[i]) ? new byte[0] : HexFormat.of().parseHex(f[i]);
            } catch (IllegalArgumentException e) {
                return "invalid malformed line: " + names[i] + " is not hex: " + VrfCommand.abbreviate(f[i]);
            }
        }
        VrfVerdict v = Ecvrf.verify(b[0], b[1], b[2]);
        return v.toLine();
    }
}
