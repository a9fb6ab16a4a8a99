package org.leo.pxe.tftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Shared set-up of the loopback server tests: a server over a temp dir, stopped after each test. */
abstract class TftpServerTestBase {
    @TempDir
    Path root;
    TftpTestServer t;

    TftpTestServer start(UnaryOperator<TftpConfig> tweak) throws IOException {
        t = new TftpTestServer(root, tweak);
        return t;
    }

    TftpTestServer start() throws IOException {
        return start(c -> c);
    }

    @AfterEach
    void stop() {
        if (t != null) {
            t.close();
        }
    }

    byte[] commonsNetFetch(String name, int mode) throws IOException {
        TFTPClient client = new TFTPClient();
        client.setDefaultTimeout(Duration.ofSeconds(5));
        client.open();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.receiveFile(name, mode, out, t.address.getAddress(), t.address.getPort());
            return out.toByteArray();
        } finally {
            client.close();
        }
    }
}
