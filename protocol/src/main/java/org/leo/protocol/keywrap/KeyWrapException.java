package org.leo.protocol.keywrap;

/**
 * Sealed bytes that do not open: malformed (a sentence naming the field, starting "sealed key:"),
 * or well formed but sealed to another key, for another context, or altered. The only exception
 * {@link AgentKeyWrap#open} throws for what it receives; its message never contains key material.
 */
public final class KeyWrapException extends Exception {
    public KeyWrapException(String message) {
        super(message, null, false, false);
    }
}
