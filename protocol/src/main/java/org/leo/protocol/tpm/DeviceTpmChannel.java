package org.leo.protocol.tpm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A TPM character device ({@code /dev/tpmrm0}): the kernel takes one whole command per write and
 * hands back one whole response per read. The kernel driver enforces the TPM's command timeouts,
 * so there is no timeout here.
 */
final class DeviceTpmChannel implements TpmChannel {
    private final Path path;
    private final FileChannel channel;

    private DeviceTpmChannel(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    static DeviceTpmChannel open(Path path) throws IOException {
        try {
            return new DeviceTpmChannel(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new IOException("cannot open the TPM device " + path + ": " + e, e);
        }
    }

    @Override
    public byte[] transmit(byte[] command) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(command);
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteBuffer in = ByteBuffer.allocate(MAX_RESPONSE_BYTES);
        int n = channel.read(in);
        if (n < HEADER_BYTES) {
            throw new IOException("the TPM device " + path + " returned " + Math.max(n, 0) + " bytes, less than a response header");
        }
        byte[] response = new byte[n];
        in.flip().get(response);
        long size = TpmResponses.declaredSize(response);
        TpmResponses.checkSize(size);
        if (size != n) {
            throw new IOException("the TPM device " + path + " returned " + n + " bytes, its header declares " + size);
        }
        return response;
    }

    @Override
    public String describe() {
        return TpmEndpoint.DEVICE_PREFIX + path;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
