package org.leo.protocol.capsule;

/**
 * A result capsule refused: {@link #code()} names the check ({@code bad-signature}, {@code truncated},
 * ...), the message reads {@code code: detail}.
 */
public final class ResultCapsuleException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    public ResultCapsuleException(String code, String detail) {
        super(code + ": " + detail);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
