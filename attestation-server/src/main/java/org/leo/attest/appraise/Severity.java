package org.leo.attest.appraise;

import java.util.Locale;

/** How bad a finding is; the policy maps each severity to actions. Ordered from harmless to worst. */
public enum Severity {
    INFO,
    WARNING,
    ERROR,
    CRITICAL;

    public static Severity parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown severity '" + s + "' (expected info, warning, error or critical)");
        }
    }

    public Severity max(Severity other) {
        return compareTo(other) >= 0 ? this : other;
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
