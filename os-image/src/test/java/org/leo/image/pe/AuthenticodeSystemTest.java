package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Authenticode} against independent implementations on real files: pesign's hash
 * ({@code pesign -h}), osslsigncode's calculated digest, and, for Debian's signed kernel, the
 * digest Debian's signing service put in the kernel's Authenticode signature.
 */
@Tag("system")
class AuthenticodeSystemTest {
    @TempDir
    Path tmp;

    @Test
    void theStubsDigestIsPesigns() throws Exception {
        PeTools.assumeTool("pesign");
        byte[] stub = PeTools.stub();
        String ours = hex(Authenticode.sha256(stub));
        System.out.println("linuxx64.efi.stub authenticode sha256 " + ours);
        assertThat(PeTools.find(PeTools.run(List.of("pesign", "-h", "-d", "sha256", "-i", PeTools.STUB.toString())), "hash: ([0-9a-f]{64})"))
                .isEqualTo(ours);
    }

    @Test
    void theSignedKernelsDigestIsPesignsOsslsigncodesAndTheOneDebianSigned() throws Exception {
        PeTools.assumeTool("pesign");
        PeTools.assumeTool("osslsigncode");
        Path kernel = PeTools.kernel();
        String ours = hex(Authenticode.sha256(Files.readAllBytes(kernel)));
        System.out.println(kernel.getFileName() + " authenticode sha256 " + ours);
        assertThat(PeTools.find(PeTools.run(List.of("pesign", "-h", "-d", "sha256", "-i", kernel.toString())), "hash: ([0-9a-f]{64})"))
                .isEqualTo(ours);
        String verify;
        try {
            verify = PeTools.run(List.of("osslsigncode", "verify", "-in", kernel.toString()));
        } catch (java.io.IOException untrustedChain) { // Debian's CA is not in the system store: the digests are still printed
            verify = untrustedChain.getMessage();
        }
        assertThat(PeTools.find(verify, "Current message digest\\s*: ([0-9A-F]{64})")).isEqualTo(ours);
        assertThat(PeTools.find(verify, "Calculated message digest\\s*: ([0-9A-F]{64})")).isEqualTo(ours);
    }

    @Test
    void theTinyImagesDigestIsPesignsAndThePinnedOne() throws Exception {
        PeTools.assumeTool("pesign");
        Path f = Files.write(tmp.resolve("tiny.efi"), TinyPe.standard());
        String pesign = PeTools.find(PeTools.run(List.of("pesign", "-h", "-d", "sha256", "-i", f.toString())), "hash: ([0-9a-f]{64})");
        assertThat(hex(Authenticode.sha256(TinyPe.standard()))).isEqualTo(pesign).isEqualTo(AuthenticodeTest.STANDARD_SHA256);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
