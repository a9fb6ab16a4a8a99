/**
 * Key release to an attested HPC agent, in plain JCA so the agent can use it without BouncyCastle:
 * {@link org.leo.protocol.keywrap.AgentKeyWrap} seals a capsule's AES key to the agent's P-256 key
 * (ECIES: ephemeral ECDH, HKDF-SHA256, AES-256-GCM) bound to a
 * {@link org.leo.protocol.keywrap.ReleaseContext} (task, capsule, agent certificate). At rest on
 * the owner's Pi the same AES key is only ever stored wrapped to the Pi's TPM
 * ({@link org.leo.protocol.tpm.WrapKey}); docs/key-release.md tells the whole path.
 *
 * <p>Trust per field of sealed bytes (untrusted until {@code open} returns): the version, the
 * ephemeral point and the nonce are checked for form only, and are authenticated by the GCM tag
 * (they are its additional data, and the point also salts the key derivation); the ciphertext is
 * verified by the tag. What opens is exactly what someone sealed to this agent key for this
 * context; who that someone is, is not said here: the release protocol has to authenticate the
 * owner's Pi (next, docs/key-release.md).
 */
package org.leo.protocol.keywrap;
