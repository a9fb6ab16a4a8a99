package org.leo.appliance.cli;

import java.io.PrintStream;
import java.util.HexFormat;
import org.leo.protocol.capsule.Capsule;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleHeader;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.Requirements;

/** What {@code leo capsule inspect} prints: one 'NAME VALUE' line per header field, then the two checks that need no key. */
final class CapsuleInspection {
    private CapsuleInspection() {
    }

    static void print(Capsule capsule, PrintStream out) {
        HexFormat hex = HexFormat.of();
        CapsuleHeader h = capsule.header();
        Requirements r = h.requirements();
        out.println("capsule-id " + CapsuleFile.id(capsule).hex());
        out.println("version " + h.version());
        out.println("owner " + h.ownerHex());
        out.println("kind " + h.kind().label());
        out.println("payload-sha256 " + h.payload().hex());
        out.println("payload-size " + capsule.payloadLength());
        out.println("plaintext-sha256 " + hex.formatHex(h.plaintextSha256()));
        out.println("plaintext-size " + h.plaintextSize());
        out.println("nonce " + hex.formatHex(h.nonce()));
        out.println("image " + r.imageDigest());
        out.println("network " + r.network().label());
        out.println("cleanup-required " + r.cleanupRequired());
        out.println("min-executor-credit " + r.minExecutorCredit());
        out.println("min-monitor-credit " + r.minMonitorCredit());
        out.println(h.terms().basis().label() + " " + h.terms().amount());
        out.println("created " + h.createdAt());
        out.println("label \"" + h.label().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        out.println("signature " + hex.formatHex(h.signature()));
        out.println("signature-check " + verdict(() -> CapsuleOpener.checkSignature(h)));
        out.println("payload-check " + verdict(() -> CapsuleOpener.checkPayload(capsule)));
    }

    static boolean valid(Capsule capsule) {
        try {
            CapsuleOpener.checkSealed(capsule);
            return true;
        } catch (CapsuleException e) {
            return false;
        }
    }

    private interface Check {
        void run() throws CapsuleException;
    }

    private static String verdict(Check check) {
        try {
            check.run();
            return "valid";
        } catch (CapsuleException e) {
            return "invalid " + e.getMessage();
        }
    }
}
