package org.leo.attest.server;

import java.io.IOException;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.leo.attest.ca.RevocationList;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates an HPC's agent key. The key an agent holds lives as long as its boot (it is made at start and never leaves
 * memory), and a boot enrolls once; so rotating it means: every unexpired certificate of the HPC is revoked (durably,
 * before anything else happens), its stream is closed and its session ended, and the revocation is an entry in the
 * HPC's log. The HPC is attested again, with a new key, once it boots again: the operator's action power-cycles it.
 * Whoever kept the old key (the agent of that boot, or whatever copied it) can no longer open a stream or renew.
 */
public final class KeyRotation {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);

    private final EnrollmentStore store;
    private final RevocationList revocations;
    private final AttestationLog log;
    private final AttestationEngine engine;
    private final Clock clock;

    public KeyRotation(EnrollmentStore store, RevocationList revocations, AttestationLog log, AttestationEngine engine, Clock clock) {
        this.store = store;
        this.revocations = revocations;
        this.log = log;
        this.engine = engine;
        this.clock = clock;
    }

    /** Rotates {@code hpc}'s key on behalf of {@code by} (who, for the log); the serials (hex) it revoked or found revoked. */
    public List<String> rotate(String hpc, String by) throws IOException, SQLException {
        List<String> serials = new ArrayList<>();
        for (EnrollmentStore.IssuedCertificate c : store.unexpiredCertificates(hpc, clock.instant())) {
            BigInteger serial = new BigInteger(c.serialHex(), 16);
            if (revocations.lookup(serial).isEmpty()) {
                revocations.revoke(serial, "key rotated by " + by);
            }
            serials.add(c.serialHex());
        }
        String why = "the agent's key was rotated by " + by + ": " + (serials.isEmpty() ? "no unexpired certificate"
                : "certificate(s) " + String.join(", ", serials) + " revoked") + "; a new boot enrolls with a new key";
        log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ACTION, "info", "action.rotate-key", "HPC " + hpc + ": " + why,
                "serials=" + String.join(",", serials) + "\nby=" + by));
        engine.retire(hpc, why);
        LOG.info("HPC {}: {}", hpc, why);
        return serials;
    }
}
