package org.leo.protocol.tpm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Raw TPM commands over TCP, as swtpm's server port takes them (the framing the tpm2-tss
 * {@code swtpm} TCTI uses: command bytes in, response bytes out, no simulator envelope). Unlike
 * TSS.Java's {@code TpmDeviceTcp} it has a read timeout, needs no control connection, and reports a
 * closed peer as an {@link EOFException} saying how much of the response arrived.
 */
final class TcpTpmChannel implements TpmChannel {
    private final String description;
    private final Duration timeout;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private TcpTpmChannel(String description, Duration timeout, Socket socket) throws IOException {
        this.description = description;
        this.timeout = timeout;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code host:port}; both the connect and every response read wait at most {@code timeout}. */
    static TcpTpmChannel connect(String description, String host, int port, Duration timeout) throws IOException {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            return new TcpTpmChannel(description, timeout, socket);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to the TPM at " + description + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] transmit(byte[] command) throws IOException {
        try {
            out.write(command);
            out.flush();
        } catch (IOException e) {
            throw new IOException("cannot send to the TPM at " + description + ": " + e.getMessage(), e);
        }
        byte[] header = new byte[HEADER_BYTES];
        readFully(header, 0, HEADER_BYTES, HEADER_BYTES);
        long size = TpmResponses.declaredSize(header);
        TpmResponses.checkSize(size);
        byte[] response = new byte[(int) size];
        System.arraycopy(header, 0, response, 0, HEADER_BYTES);
        readFully(response, HEADER_BYTES, response.length - HEADER_BYTES, response.length);
        return response;
    }

    private void readFully(byte[] buf, int off, int len, int total) throws IOException {
        int done = 0;
        while (done < len) {
            int n;
            try {
                n = in.read(buf, off + done, len - done);
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no answer from the TPM at " + description + " within "
                        + timeout.toMillis() + " ms (" + (off + done) + " of " + total + " response bytes arrived)");
            } catch (IOException e) {
                throw new IOException("lost the connection to the TPM at " + description + " after " + (off + done)
                        + " of " + total + " response bytes: " + e.getMessage(), e);
            }
            if (n < 0) {
                throw new EOFException("the TPM at " + description + " closed the connection after "
                        + (off + done) + " of " + total + " response bytes");
            }
            done += n;
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
