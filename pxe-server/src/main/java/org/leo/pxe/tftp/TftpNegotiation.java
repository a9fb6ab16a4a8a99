package org.leo.pxe.tftp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of option negotiation for one RRQ (RFC 2347): what the transfer uses and what the
 * OACK says. An empty {@link #oack()} means no option was accepted: no OACK is sent and DATA 1
 * follows the request directly.
 *
 * @param blksize      bytes per DATA block (RFC 2348)
 * @param windowsize   blocks sent before waiting for an ACK (RFC 7440)
 * @param timeoutNanos retransmission timeout (RFC 2349 up to {@link TftpConfig#MAX_TIMEOUT}, else the configured default)
 * @param oack         the accepted options in the client's order, with the values we chose
 */
record TftpNegotiation(int blksize, int windowsize, long timeoutNanos, Map<String, String> oack) {
    TftpNegotiation {
        oack = Collections.unmodifiableMap(oack);
    }

    /**
     * Negotiates {@code request}'s options, whose values the decoder has already checked.
     *
     * @param transferSize the number of bytes the client will receive (after netascii conversion)
     */
    static TftpNegotiation negotiate(TftpRequest request, TftpConfig config, long transferSize) {
        int blksize = TftpCodec.DEFAULT_BLKSIZE;
        int windowsize = 1;
        long timeoutNanos = config.defaultTimeout().toNanos();
        Map<String, String> oack = new LinkedHashMap<>();
        for (Map.Entry<String, String> option : request.options().entrySet()) {
            String value = option.getValue();
            switch (option.getKey()) {
                case TftpCodec.BLKSIZE -> {
                    blksize = (int) Math.min(parse(value), config.maxBlksize());
                    oack.put(TftpCodec.BLKSIZE, Integer.toString(blksize));
                }
                case TftpCodec.TSIZE -> {
                    // Not acknowledged for an empty file: curl (7.88) rejects "tsize 0" in an OACK as illegal.
                    if (transferSize > 0) {
                        oack.put(TftpCodec.TSIZE, Long.toString(transferSize));
                    }
                }
                case TftpCodec.TIMEOUT -> {
                    long seconds = parse(value);
                    if (seconds <= TftpConfig.MAX_TIMEOUT.toSeconds()) {
                        timeoutNanos = seconds * 1_000_000_000L;
                        oack.put(TftpCodec.TIMEOUT, Long.toString(seconds));
                    } else {
                        // RFC 2349: the OACK must echo the client's value, so a longer one is not
                        // acknowledged; the server still waits no longer than its cap
                        timeoutNanos = TftpConfig.MAX_TIMEOUT.toNanos();
                    }
                }
                case TftpCodec.WINDOWSIZE -> {
                    windowsize = (int) Math.min(parse(value), config.maxWindowsize());
                    oack.put(TftpCodec.WINDOWSIZE, Integer.toString(windowsize));
                }
                default -> { } // RFC 2347: options the server does not support are ignored
            }
        }
        return new TftpNegotiation(blksize, windowsize, timeoutNanos, oack);
    }

    private static long parse(String checkedDigits) {
        return Long.parseLong(checkedDigits);
    }
}
