package org.leo.protocol.tpm;

import java.io.IOException;
import java.io.UncheckedIOException;
import tss.TpmDevice;

/**
 * Adapts a {@link TpmChannel} to TSS.Java's {@link TpmDevice}, so TSS.Java marshals commands and
 * our channel moves the bytes. TSS.Java's device methods cannot throw checked exceptions: an
 * {@link IOException} leaves as a {@link ChannelFailure}, which {@link Tpm} turns back into a
 * {@link TpmException}.
 */
final class ChannelTpmDevice extends TpmDevice {
    private final TpmChannel channel;
    private byte[] response;

    ChannelTpmDevice(TpmChannel channel) {
        this.channel = channel;
    }

    @Override
    public boolean connect() {
        return true;
    }

    @Override
    public void dispatchCommand(byte[] command) {
        response = null;
        try {
            response = channel.transmit(command);
        } catch (IOException e) {
            throw new ChannelFailure(e);
        }
    }

    @Override
    public byte[] getResponse() {
        byte[] r = response;
        response = null;
        if (r == null) {
            throw new ChannelFailure(new IOException("no response pending from " + channel.describe()));
        }
        return r;
    }

    @Override
    public boolean responseReady() {
        return response != null;
    }

    @Override
    public void close() {
        channel.close();
    }

    /** The channel failed; carries its {@link IOException} through TSS.Java. */
    static final class ChannelFailure extends UncheckedIOException {
        ChannelFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
