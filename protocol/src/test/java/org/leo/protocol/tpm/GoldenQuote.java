package org.leo.protocol.tpm;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A real quote captured from swtpm, stored as text under {@code src/test/resources/tpm/golden/}
 * so the parser and verifier tests run without a TPM. Regenerate with
 * {@code -Dleo.tpm.regenerateGolden=true} on the system test {@code QuoteCrossCheckTest}.
 */
record GoldenQuote(String keyAlgorithm, byte[] akSpki, byte[] nonce, TpmQuote quote) {
    static final Path SOURCE_DIR = Path.of("src/test/resources/tpm/golden");

    static GoldenQuote load(String name) {
        try (InputStream in = GoldenQuote.class.getResourceAsStream("/tpm/golden/" + name + ".properties")) {
            if (in == null) {
                throw new IllegalStateException("no golden quote " + name);
            }
            Properties p = new Properties();
            p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.US_ASCII)));
            HexFormat hex = HexFormat.of();
            int[] pcrs = Arrays.stream(p.getProperty("pcrs").split(",")).mapToInt(Integer::parseInt).toArray();
            List<byte[]> values = new ArrayList<>();
            for (int pcr : pcrs) {
                values.add(hex.parseHex(p.getProperty("pcr." + pcr)));
            }
            TpmQuote quote = new TpmQuote(hex.parseHex(p.getProperty("attest")), hex.parseHex(p.getProperty("signature")),
                    pcrs, values);
            return new GoldenQuote(p.getProperty("keyAlgorithm"), hex.parseHex(p.getProperty("ak")),
                    hex.parseHex(p.getProperty("nonce")), quote);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void store(String name, String comment) throws IOException {
        HexFormat hex = HexFormat.of();
        StringBuilder text = new StringBuilder("# ").append(comment).append('\n');
        text.append("keyAlgorithm=").append(keyAlgorithm).append('\n');
        text.append("ak=").append(hex.formatHex(akSpki)).append('\n');
        text.append("nonce=").append(hex.formatHex(nonce)).append('\n');
        text.append("pcrs=").append(Arrays.stream(quote.pcrs()).mapToObj(Integer::toString).collect(Collectors.joining(","))).append('\n');
        for (int i = 0; i < quote.pcrs().length; i++) {
            text.append("pcr.").append(quote.pcrs()[i]).append('=').append(hex.formatHex(quote.pcrValues().get(i))).append('\n');
        }
        text.append("attest=").append(hex.formatHex(quote.attest())).append('\n');
        text.append("signature=").append(hex.formatHex(quote.signature())).append('\n');
        Files.createDirectories(SOURCE_DIR);
        Files.writeString(SOURCE_DIR.resolve(name + ".properties"), text, StandardCharsets.US_ASCII);
    }

    PublicKey publicKey() {
        try {
            return KeyFactory.getInstance(keyAlgorithm).generatePublic(new X509EncodedKeySpec(akSpki));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    QuoteExpectation expectation() {
        return QuoteExpectation.of(nonce, quote.pcrs());
    }
}
