package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport under {@link Tpm} against a fake TPM on loopback that misbehaves in one way per
 * test: silence, a closed connection mid-response, an oversized or unparseable response.
 */
class TcpTpmChannelTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private ServerSocket server;
    private Thread peer;
    private final CountDownLatch done = new CountDownLatch(1);

    @AfterEach
    void stopPeer() throws Exception {
        done.countDown();
        if (server != null) {
            server.close();
        }
        if (peer != null) {
            peer.join();
        }
    }

    /** What the fake TPM sends after reading one whole command; null: nothing, keep the connection open. */
    private TpmEndpoint.Swtpm fakeTpm(byte[] reply, boolean closeAfter) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        peer = new Thread(() -> {
            try (Socket s = server.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] header = new byte[10];
                in.readFully(header);
                in.readFully(new byte[(int) TpmResponses.declaredSize(header) - 10]);
                OutputStream out = s.getOutputStream();
                if (reply != null) {
                    out.write(reply);
                    out.flush();
                }
                if (!closeAfter) {
                    done.await();
                }
            } catch (IOException | InterruptedException ignored) {
                // the test is over
            }
        }, "fake-tpm");
        peer.start();
        return new TpmEndpoint.Swtpm("127.0.0.1", server.getLocalPort());
    }

    private static byte[] header(int size, int code) {
        return new byte[] {(byte) 0x80, 0x01, (byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8), (byte) size,
                (byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code};
    }

    @Test
    void aSilentTpmTimesOutAndTheConnectionStaysBroken() throws Exception {
        TpmEndpoint.Swtpm endpoint = fakeTpm(null, false);
        try (Tpm tpm = Tpm.open(endpoint, TIMEOUT)) {
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_PCR_Read(16) failed: no answer from the TPM at " + endpoint
                            + " within 300 ms (0 of 10 response bytes arrived)");
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_PCR_Read(16) not sent: the connection to the TPM at " + endpoint
                            + " failed earlier (no answer from the TPM at " + endpoint
                            + " within 300 ms (0 of 10 response bytes arrived))");
        }
    }

    @Test
    void aTpmThatClosesInTheHeaderIsEof() throws Exception {
        TpmEndpoint.Swtpm endpoint = fakeTpm(new byte[] {(byte) 0x80, 0x01, 0, 0}, true);
        try (Tpm tpm = Tpm.open(endpoint, TIMEOUT)) {
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_PCR_Read(16) failed: the TPM at " + endpoint + " closed the connection after 4 of 10 response bytes");
        }
    }

    @Test
    void aTpmThatClosesInTheBodyIsEof() throws Exception {
        byte[] partial = new byte[20];
        System.arraycopy(header(30, 0), 0, partial, 0, 10);
        TpmEndpoint.Swtpm endpoint = fakeTpm(partial, true);
        try (Tpm tpm = Tpm.open(endpoint, TIMEOUT)) {
            assertThatThrownBy(() -> tpm.random(8)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_GetRandom failed: the TPM at " + endpoint + " closed the connection after 20 of 30 response bytes");
        }
    }

    @Test
    void anOversizedResponseIsRefusedBeforeItIsRead() throws Exception {
        TpmEndpoint.Swtpm endpoint = fakeTpm(header(5000, 0), false);
        try (Tpm tpm = Tpm.open(endpoint, TIMEOUT)) {
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_PCR_Read(16) failed: TPM response header declares 5000 bytes, expected 10..4096");
        }
    }

    @Test
    void aResponseTssJavaCannotUnmarshalIsATpmException() throws Exception {
        // success, but none of the parameters TPM2_PCR_Read returns
        TpmEndpoint.Swtpm endpoint = fakeTpm(header(10, 0), false);
        try (Tpm tpm = Tpm.open(endpoint, TIMEOUT)) {
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessage("TPM2_PCR_Read(16) failed at " + endpoint + ": the TPM returned 0 values for sha256 PCR 16,"
                            + " expected one of 32 bytes (is the sha256 bank allocated?)");
        }
    }

    @Test
    void nobodyListeningIsACleanTpmException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        TpmEndpoint.Swtpm endpoint = new TpmEndpoint.Swtpm("127.0.0.1", port);
        assertThatThrownBy(() -> Tpm.open(endpoint, TIMEOUT)).isInstanceOf(TpmException.class)
                .hasMessageStartingWith("cannot connect to the TPM at " + endpoint + ": Connection refused");
    }

    @Test
    void aClosedTpmRefusesCalls() throws Exception {
        TpmEndpoint.Swtpm endpoint = fakeTpm(null, false);
        Tpm tpm = Tpm.open(endpoint, TIMEOUT);
        tpm.close();
        tpm.close();
        assertThat(tpm.describe()).isEqualTo(endpoint.toString());
        assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the connection to the TPM at " + endpoint + " is closed");
    }
}
