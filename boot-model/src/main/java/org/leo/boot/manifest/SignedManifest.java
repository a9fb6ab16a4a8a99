package org.leo.boot.manifest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A {@link BootManifest} with its embedded Ed25519 signature (RFC 8032, pure Ed25519 over the
 * canonical text). The file form is the canonical text followed by one more line:
 *
 * <pre>
 * ed25519-signature: &lt;base64 (RFC 4648, padded) of the 64-byte signature&gt;
 * </pre>
 *
 * The signature covers every byte before that line. Embedding keeps manifest and signature in
 * one file that cannot be half-copied.
 */
public record SignedManifest(BootManifest manifest, byte[] signature) {
    public static final String SIGNATURE_PREFIX = "ed25519-signature: ";

    public SignedManifest {
        Objects.requireNonNull(manifest, "manifest");
        if (signature.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
            throw new IllegalArgumentException("an Ed25519 signature has 64 bytes, got " + signature.length);
        }
        signature = signature.clone();
    }

    /** Signs the canonical text of {@code manifest}. */
    public static SignedManifest sign(BootManifest manifest, Ed25519PrivateKeyParameters key) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        byte[] body = manifest.canonicalBytes();
        signer.update(body, 0, body.length);
        return new SignedManifest(manifest, signer.generateSignature());
    }

    /** True when the signature is {@code key}'s signature of the canonical text. */
    public boolean verify(Ed25519PublicKeyParameters key) {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        byte[] body = manifest.canonicalBytes();
        verifier.update(body, 0, body.length);
        return verifier.verifySignature(signature);
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The file form: canonical text plus the signature line. */
    public byte[] encode() {
        String text = manifest.canonicalText() + SIGNATURE_PREFIX + Base64.getEncoder().encodeToString(signature) + "\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignedManifest s && s.manifest.equals(manifest) && java.util.Arrays.equals(s.signature, signature);
    }

    @Override
    public int hashCode() {
        return manifest.hashCode() * 31 + java.util.Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "SignedManifest[" + manifest + "]";
    }
}
