package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real TFTP packets (see {@code captures/README.md}) decode to a stable text form equal to their
 * golden file, and re-encode byte for byte. Regenerate the golden files with
 * {@code -Dleo.golden.update=true}.
 */
class TftpCaptureGoldenTest {

    static Stream<String> captures() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("captures")
    void decodesToItsGoldenTextAndReencodesByteForByte(String name) throws Exception {
        byte[] wire = Files.readAllBytes(dir().resolve(name + ".bin"));
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        TftpPacket packet = TftpCodec.decode(in);
        String text = describe(packet);
        Path golden = goldenSource(name);
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.writeString(golden, text, StandardCharsets.UTF_8);
        }
        assertThat(text).isEqualTo(Files.readString(dir().resolve(name + ".txt"), StandardCharsets.UTF_8));
        ByteBuf out = TftpCodec.encode(UnpooledByteBufAllocator.DEFAULT, packet);
        try {
            assertThat(ByteBufUtil.getBytes(out)).as("encode(decode(p)) == p").isEqualTo(wire);
        } finally {
            out.release();
            in.release();
        }
    }

    /** One line per field, options in wire order: what a reviewer reads when a golden file changes. */
    static String describe(TftpPacket p) {
        StringBuilder b = new StringBuilder();
        b.append("opcode ").append(p.opcode()).append('\n');
        if (p instanceof TftpRequest r) {
            b.append("filename ").append(r.filename()).append('\n');
            b.append("mode ").append(r.mode()).append('\n');
            options(b, r.options());
        } else if (p instanceof TftpAck a) {
            b.append("block ").append(a.block()).append('\n');
        } else if (p instanceof TftpError e) {
            b.append("code ").append(e.code()).append('\n');
            b.append("message ").append(e.message()).append('\n');
        } else if (p instanceof TftpOack o) {
            options(b, o.options());
        } else {
            b.append(p).append('\n');
        }
        return b.toString();
    }

    private static void options(StringBuilder b, Map<String, String> options) {
        options.forEach((k, v) -> b.append("option ").append(k).append('=').append(v).append('\n'));
    }

    private static Path dir() throws URISyntaxException {
        return Path.of(TftpCaptureGoldenTest.class.getResource("captures").toURI());
    }

    private static Path goldenSource(String name) {
        return Path.of(System.getProperty("basedir", "."), "src/test/resources/org/leo/pxe/tftp/captures", name + ".txt");
    }
}
