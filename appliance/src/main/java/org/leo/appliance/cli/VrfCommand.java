package org.leo.appliance.cli;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.consensus.vrf.VrfVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code leo vrf keygen|prove|verify}: the consensus VRF, ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381),
 * with keys, inputs and outputs in hex so that anyone can check them with another implementation.
 */
@Command(name = "vrf",
        mixinStandardHelpOptions = true,
        subcommands = {VrfCommand.Keygen.class, VrfCommand.Prove.class, VrfCommand.Verify.class, VrfSortitionCommand.class},
        description = {"The verifiable random function that picks the verifier committees: ECVRF-EDWARDS25519-SHA512-TAI",
                "(RFC 9381, suite 0x03). A 32-byte secret key proves, for an input alpha, an 80-byte proof whose hash beta",
                "(64 bytes) is the random output; anyone with the public key checks the proof and so trusts beta.",
                "Everything is hex in and out. Keys are Ed25519 keys (RFC 8032): a secret gives the same public key."},
        footerHeading = "%nSee also:%n",
        footer = {"  docs/vrf.md    what the implementation is, what runs in constant time, how it is tested"},
        usageHelpWidth = VrfCommand.HELP_WIDTH)
public class VrfCommand {
    /** RFC 9381 Appendix B.3, Example 16: what the examples in --help use. */
    static final String EXAMPLE_SK = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static final String EXAMPLE_PK = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static final String EXAMPLE_PI = "8657106690b5526245a92b003bb079ccd1a92130477671f6fc01ad16f26f723f"
            + "26f8a57ccaed74ee1b190bed1f479d9727d2d0f9b005a6e456a35d4fb0daab1268a1b0db10836d9826a528ca76567805";

    static final HexFormat HEX = HexFormat.of();
    /** Wide enough that no hex example (a 160-digit proof) is broken; the prose is wrapped by hand at 100. */
    static final int HELP_WIDTH = 180;

    /**
     * HEX as bytes; "-" is the empty string. Not hex, or not {@code length} bytes (when {@code length}
     * is not -1): a usage error naming the option.
     */
    static byte[] hex(CommandSpec spec, String option, String text, int length) {
        byte[] b;
        try {
            b = "-".equals(text) ? new byte[0] : HEX.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), option + ": not hex (an even number of 0-9a-f digits): " + abbreviate(text));
        }
        if (length >= 0 && b.length != length) {
            throw new ParameterException(spec.commandLine(), option + ": expected " + length + " bytes (" + 2 * length
                    + " hex digits), got " + b.length);
        }
        return b;
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** {@code leo vrf keygen}. */
    @Command(name = "keygen", mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Make a VRF key pair: print its secret key and public key.",
            descriptionHeading = "%nDescription:%n",
            description = {"Draws a 32-byte secret key from the system's SecureRandom, or takes --secret-key, and prints it",
                    "and its public key (RFC 8032 key generation: SHA-512 of the secret, clamped, times the base point),",
                    "each on a line: 'secret-key HEX' then 'public-key HEX'. Keep the secret key secret: whoever has it",
                    "can prove for any alpha."},
            usageHelpWidth = VrfCommand.HELP_WIDTH,
            optionListHeading = "%nOptions:%n",
            footerHeading = "%nExit status:%n",
            footer = {"  0  printed", "  2  bad options (--secret-key not 32 bytes of hex)", "",
                    "Examples:",
                    "  leo vrf keygen",
                    "  leo vrf keygen --secret-key " + EXAMPLE_SK,
                    "      secret-key " + EXAMPLE_SK,
                    "      public-key " + EXAMPLE_PK + "   (RFC 9381 B.3 Example 16)"})
    static class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--secret-key", paramLabel = "HEX", description = "Derive the public key of this 32-byte secret key instead of drawing one.")
        String secretKey;

        @Override
        public Integer call() {
            byte[] sk;
            if (secretKey != null) {
                sk = hex(spec, "--secret-key", secretKey, Ecvrf.SECRET_KEY_BYTES);
            } else {
                sk = new byte[Ecvrf.SECRET_KEY_BYTES];
                new SecureRandom().nextBytes(sk);
            }
            System.out.println("secret-key " + HEX.formatHex(sk));
            System.out.println("public-key " + HEX.formatHex(Ecvrf.publicKey(sk)));
            return 0;
        }
    }

    /** {@code leo vrf prove}. */
    @Command(name = "prove", mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Prove the VRF output for alpha: print the proof and beta.",
            descriptionHeading = "%nDescription:%n",
            description = {"Computes ECVRF_prove (RFC 9381 section 5.1) with the secret key over alpha and prints",
                    "'proof HEX' (80 bytes: Gamma, c, s) and 'beta HEX' (64 bytes, ECVRF_proof_to_hash). The proof is",
                    "deterministic: the same key and alpha always give the same proof. Proving takes constant time in",
                    "the secret (see docs/vrf.md)."},
            usageHelpWidth = VrfCommand.HELP_WIDTH,
            optionListHeading = "%nOptions:%n",
            footerHeading = "%nExit status:%n",
            footer = {"  0  printed", "  2  bad options (not hex, or a secret key that is not 32 bytes)", "",
                    "Examples (RFC 9381 B.3 Example 16, alpha empty):",
                    "  leo vrf prove --secret-key " + EXAMPLE_SK + " --alpha -",
                    "      proof " + EXAMPLE_PI,
                    "      beta 90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae"})
    static class Prove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--secret-key", paramLabel = "HEX", required = true, description = "The 32-byte secret key.")
        String secretKey;

        @Option(names = "--alpha", paramLabel = "HEX", required = true, description = "The input, any length; '-' (or '') for the empty string.")
        String alpha;

        @Override
        public Integer call() {
            byte[] sk = hex(spec, "--secret-key", secretKey, Ecvrf.SECRET_KEY_BYTES);
            byte[] a = hex(spec, "--alpha", alpha, -1);
            byte[] pi = Ecvrf.prove(sk, a);
            System.out.println("proof " + HEX.formatHex(pi));
            System.out.println("beta " + HEX.formatHex(Ecvrf.proofToHash(pi)));
            return 0;
        }
    }

    /** {@code leo vrf verify}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Verify a VRF proof: print 'valid beta HEX' or 'invalid REASON'.",
            descriptionHeading = "%nDescription:%n",
            description = {"Runs ECVRF_verify (RFC 9381 section 5.3) with the public key check ECVRF_validate_key: the",
                    "public key must be a canonical encoding of a point that is not of small order, Gamma a canonical",
                    "point, s below the group order, and the challenge c must match. Prints 'valid beta HEX' with the",
                    "VRF output, or 'invalid CODE: sentence' naming the first check that failed: public-key-not-canonical,",
                    "public-key-not-on-curve, public-key-small-order, gamma-not-canonical, gamma-not-on-curve,",
                    "s-not-reduced, challenge-mismatch (and, with --batch, public-key-length and proof-length).",
                    "",
                    "With --batch, reads lines 'PK PROOF ALPHA' (hex, separated by spaces or tabs; an empty alpha is",
                    "written '-') from standard input and prints one verdict line for each input line, in order. A line",
                    "that is not three hex fields gets 'invalid malformed line: ...' and the batch goes on."},
            usageHelpWidth = VrfCommand.HELP_WIDTH,
            optionListHeading = "%nOptions:%n",
            footerHeading = "%nExit status:%n",
            footer = {"  0  valid (with --batch: every line valid)", "  1  invalid (with --batch: some line invalid or malformed)",
                    "  2  bad options (not hex, or a key or proof of the wrong length; --batch with the single-proof options)", "",
                    "Examples (RFC 9381 B.3 Example 16):",
                    "  leo vrf verify --alpha - --public-key " + EXAMPLE_PK + " \\",
                    "      --proof " + EXAMPLE_PI,
                    "      valid beta 90cf1df3b703cce59e2a35b925d411164068269d7b2d29f3301c03dd757876ff66b71dda49d2de59d03450451af026798e8f81cd2e333de5cdf4f3e140fdd8ae",
                    "  leo vrf verify --batch < proofs.txt"})
    static class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--public-key", paramLabel = "HEX", description = "The prover's 32-byte public key.")
        String publicKey;

        @Option(names = "--proof", paramLabel = "HEX", description = "The 80-byte proof.")
        String proof;

        @Option(names = "--alpha", paramLabel = "HEX", description = "The input the proof is for; '-' (or '') for the empty string.")
        String alpha;

        @Option(names = "--batch", description = "Verify the 'PK PROOF ALPHA' lines of standard input instead.")
        boolean batch;

        @Override
        public Integer call() throws IOException {
            if (batch) {
                if (publicKey != null || proof != null || alpha != null) {
                    throw new ParameterException(spec.commandLine(), "--batch reads standard input: it takes no --public-key, --proof or --alpha");
                }
                PrintStream out = System.out;
                VrfBatch.Totals t = VrfBatch.run(new InputStreamReader(System.in, StandardCharsets.UTF_8), out::println);
                return t.allValid() ? 0 : 1;
            }
            for (String[] opt : new String[][] {{"--public-key", publicKey}, {"--proof", proof}, {"--alpha", alpha}}) {
                if (opt[1] == null) {
                    throw new ParameterException(spec.commandLine(), "Missing required option: '" + opt[0] + "=HEX' (or --batch)");
                }
            }
            VrfVerdict v = Ecvrf.verify(hex(spec, "--public-key", publicKey, Ecvrf.PUBLIC_KEY_BYTES),
                    hex(spec, "--proof", proof, Ecvrf.PROOF_BYTES), hex(spec, "--alpha", alpha, -1));
            System.out.println(v.toLine());
            return v.isValid() ? 0 : 1;
        }
    }
}
