/**
 * TPM 2.0 quotes, shared by the Pi (which signs its attestation reports with its own TPM) and an
 * HPC that has a TPM: {@link org.leo.protocol.tpm.Tpm} makes them with TSS.Java,
 * {@link org.leo.protocol.tpm.QuoteVerifier} checks them with plain JCA.
 *
 * <p>Layering: {@link org.leo.protocol.tpm.TpmChannel} moves command and response bytes (TCP to
 * swtpm with a read timeout, or {@code /dev/tpmrm0}); TSS.Java marshals the commands;
 * {@link org.leo.protocol.tpm.Tpm} is the few operations attestation needs. On the verifying side,
 * {@link org.leo.protocol.tpm.TpmsAttestParser} and {@link org.leo.protocol.tpm.TpmtSignatureParser}
 * are pure, bounds-checked parsers of the untrusted bytes and
 * {@link org.leo.protocol.tpm.QuoteVerifier} turns them into a structured
 * {@link org.leo.protocol.tpm.QuoteVerdict}.
 *
 * <p>Trust per field of a {@link org.leo.protocol.tpm.TpmQuote}:
 * <ul>
 *   <li>{@code attest}: verified when the verdict is ok (signed by the attestation key); then its
 *       extraData is our nonce, its PCR selection is the one we asked for, and its clockInfo and
 *       firmwareVersion are what the TPM reported.</li>
 *   <li>{@code pcrValues}: claims, bound to the signature only through pcrDigest; verified when
 *       the verdict is ok.</li>
 *   <li>{@code pcrs}: a claim that orders {@code pcrValues}; must equal the attest's selection.</li>
 *   <li>{@code signature}: verified against the attestation key the caller trusts. Which key to
 *       trust (enrolment, EK certificates) is not decided here.</li>
 *   <li>qualifiedSigner in the attest is parsed but not checked.</li>
 * </ul>
 *
 * <p>Binding the attestation key to a real TPM (enrolment): the HPC sends its EK certificate
 * ({@link org.leo.protocol.tpm.Tpm#endorsementKey}), the EK's and the AK's public areas. All are
 * claims until: {@link org.leo.protocol.tpm.EkCertificateVerifier} chains the certificate to a
 * configured manufacturer root and finds the EK's key in it; {@link org.leo.protocol.tpm.AkPublic}
 * finds the AK to be a restricted signing key fixed to its TPM; and the TPM returns the credential
 * {@link org.leo.protocol.tpm.CredentialProtection} protected to that EK for that AK Name
 * ({@link org.leo.protocol.tpm.Tpm#activateCredential}). Then the AK's public area, and so its key,
 * is verified: quotes must be checked with {@link org.leo.protocol.tpm.AkPublic#publicKey()}.
 *
 * <p>Keys at rest on the owner's Pi: {@link org.leo.protocol.tpm.WrapKey} is the public half of an
 * RSA-2048 decryption key that only the Pi's TPM holds (a primary key of the owner hierarchy from
 * a fixed template); a capsule's AES key is stored only wrapped to it, and unwrapped with
 * {@link org.leo.protocol.tpm.Tpm#unwrap} to be sealed to an attested agent
 * ({@code org.leo.protocol.keywrap}; docs/key-release.md). {@link org.leo.protocol.tpm.WrapKeyFile} keeps that
 * public half in a file, checked against the template on read, so keys can be wrapped without the TPM.
 */
package org.leo.protocol.tpm;
