package org.leo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.KeyWrapException;
import org.leo.protocol.keywrap.ReleaseContext;

/**
 * A capsule key released to this agent: sealed by the owner's Pi to the key of the agent's
 * certificate, for a context naming that certificate, it opens with the agent's private key (the
 * one generated in RAM at start) and with no other. Without BouncyCastle:
 * {@code AgentIdentityTest.theAgentsCryptoRunsWithNoBouncyCastleJarOnItsClassPath}.
 */
class AgentKeyReleaseTest {
    @Test
    void aKeySealedToTheAgentsCertificateOpensWithItsKeyAndNoOther() throws Exception {
        AgentIdentity agent = AgentIdentity.generate("52:54:00:12:34:56");
        AgentIdentity other = AgentIdentity.generate("52:54:00:12:34:57");
        byte[] capsuleKey = new byte[32];
        new SecureRandom().nextBytes(capsuleKey);
        byte[] capsuleDigest = MessageDigest.getInstance("SHA-256").digest("capsule".getBytes());
        ReleaseContext context = ReleaseContext.of("task-7", capsuleDigest, agent.selfSigned());

        byte[] sealed = AgentKeyWrap.seal(agent.selfSigned().getPublicKey(), capsuleKey, context.encode());

        assertThat(AgentKeyWrap.open(agent.privateKey(), sealed, context.encode())).isEqualTo(capsuleKey);
        assertThatThrownBy(() -> AgentKeyWrap.open(other.privateKey(), sealed, context.encode()))
                .isInstanceOf(KeyWrapException.class).hasMessageStartingWith("sealed key does not open");
        byte[] forOther = ReleaseContext.of("task-7", capsuleDigest, other.selfSigned()).encode();
        assertThatThrownBy(() -> AgentKeyWrap.open(agent.privateKey(), sealed, forOther))
                .as("the context names another agent certificate").isInstanceOf(KeyWrapException.class);
    }
}
