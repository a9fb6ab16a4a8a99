package org.leo.appliance.cli;

import java.io.PrintStream;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
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
        for (Map.Entry<String, Object> f : fields(capsule).entrySet()) {
            Object v = f.getValue();
            out.println(f.getKey() + " " + (f.getKey().equals("label") ? "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : v));
        }
    }

    /**
     * The fields in the order {@link #print} prints them, by the same names ({@code leo capsule inspect --json} prints this
     * map): numbers and booleans as such, the rest as text.
     */
    static Map<String, Object> fields(Capsule capsule) {
        HexFormat hex = HexFormat.of();
        CapsuleHeader h = capsule.header();
        Requirements r = h.requirements();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("capsule-id", CapsuleFile.id(capsule).hex());
        out.put("version", h.version());
        out.put("owner", h.ownerHex());
        out.put("kind", h.kind().label());
        out.put("payload-sha256", h.payload().hex());
        out.put("payload-size", capsule.payloadLength());
        out.put("plaintext-sha256", hex.formatHex(h.plaintextSha256()));
        out.put("plaintext-size", h.plaintextSize());
        out.put("nonce", hex.formatHex(h.nonce()));
        out.put("image", r.imageDigest().toString());
        out.put("network", r.network().label());
        out.put("cleanup-required", r.cleanupRequired());
        out.put("min-executor-credit", r.minExecutorCredit());
        out.put("min-monitor-credit", r.minMonitorCredit());
        out.put(h.terms().basis().label(), h.terms().amount());
        out.put("created", h.createdAt().toString());
        out.put("label", h.label());
        out.put("signature", hex.formatHex(h.signature()));
        out.put("signature-check", verdict(() -> CapsuleOpener.checkSignature(h)));
        out.put("payload-check", verdict(() -> CapsuleOpener.checkPayload(capsule)));
        return out;
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
