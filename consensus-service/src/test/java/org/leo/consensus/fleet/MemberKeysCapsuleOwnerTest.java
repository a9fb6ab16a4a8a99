package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.Terms;
import org.leo.protocol.capsule.TestCapsules;

/** A Pi's member key owns the capsules it seals: BouncyCastle signs, the JDK verifies, under the member key. */
class MemberKeysCapsuleOwnerTest {
    @Test
    void aCapsuleSealedWithTheMemberKeyIsOwnedByTheMemberAndOpens() throws Exception {
        MemberKeys keys = MemberKeys.generate(new SecureRandom());
        byte[] plaintext = "sealed by a Pi".getBytes(StandardCharsets.US_ASCII);
        CapsuleSealer.Sealed s = new CapsuleSealer(keys.capsuleOwner(), new SecureRandom(), Clock.systemUTC())
                .seal(plaintext, CapsuleKind.DATA, TestCapsules.REQUIREMENTS, Terms.price(5), "");
        assertThat(s.capsule().header().owner()).isEqualTo(keys.member());
        assertThat(CapsuleOpener.signatureValid(s.capsule().header())).isTrue();
        assertThat(CapsuleOpener.open(s.capsule(), s.aesKey())).isEqualTo(plaintext);

        MemberKeys other = MemberKeys.generate(new SecureRandom());
        byte[] foreign = other.capsuleOwner().sign(s.capsule().header().withSignature(new byte[0]));
        assertThat(CapsuleOpener.signatureValid(s.capsule().header().withSignature(foreign))).isFalse();
    }
}
