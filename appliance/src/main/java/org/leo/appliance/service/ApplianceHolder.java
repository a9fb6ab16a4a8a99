package org.leo.appliance.service;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.leo.attest.AttestationNode;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the web layer finds the running appliance: empty until {@code leo serve} has started every part (so
 * readiness is DOWN and the API answers 503), then the parts, their read model, the live feed, the users and the audit
 * trail. The operator actions are here too, so each is audited the same way whichever endpoint calls it.
 */
@Singleton
public class ApplianceHolder {
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceHolder.class);

    /** Everything the web layer uses, published at once. */
    public record Running(ApplianceParts parts, Dashboard dashboard, LiveFeed feed, Audit audit, Optional<String> hpcInterface,
                          ApplianceMetrics metrics) { }

    private volatile Running running;
    private volatile Users users = new Users(Path.of("/etc/leo/users"));
    private volatile SessionGeneration sessions;
    private final Set<String> quarantined = ConcurrentHashMap.newKeySet();

    /** Publishes the started parts (the users were set by {@link #useUsers} before they started). */
    public void publish(ApplianceParts parts, Optional<String> hpcInterface, io.micrometer.core.instrument.MeterRegistry registry) {
        Dashboard dashboard = new Dashboard(parts, quarantined);
        Audit audit;
        try {
            audit = Audit.open(parts.dataDir());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot open the audit log " + parts.dataDir().resolve(Audit.FILE) + ": " + e.getMessage(), e);
        }
        if (users.all().isEmpty()) {
            LOG.warn("no operator users in {}: every login is refused until one is added ('leo user add NAME --role operator')", users.file());
        }
        LiveFeed feed = new LiveFeed(dashboard);
        running = new Running(parts, dashboard, feed, audit, hpcInterface, new ApplianceMetrics(parts, dashboard, feed, registry,
                java.time.Clock.systemUTC()));
    }

    public void withdraw() {
        Running r = running;
        running = null;
        if (r != null) {
            r.feed().close();
            r.metrics().close();
            try {
                r.audit().close();
            } catch (java.sql.SQLException e) {
                LOG.warn("closing the audit log: {}", e.getMessage());
            }
        }
    }

    public Optional<Running> running() {
        return Optional.ofNullable(running);
    }

    /**
     * Reads the users from {@code usersFile} from now on: {@code leo serve} calls it before it starts the parts, so that
     * while the API answers 503 a login works and a dashboard session from before a restart is still its user's.
     */
    public void useUsers(Path usersFile) {
        users = new Users(usersFile);
    }

    /** Checks dashboard sessions against {@code sessions} from now on ({@code leo serve}, before the parts start). */
    public void useSessions(SessionGeneration sessions) {
        this.sessions = sessions;
    }

    /** The session key: empty until {@code leo serve} set it (a login and a session are then refused). */
    public Optional<SessionGeneration> sessions() {
        return Optional.ofNullable(sessions);
    }

    /** The users, also before the appliance is up (a login then works, the API still answers 503). */
    public Users users() {
        return users;
    }

    /** Audits a login attempt (after the appliance is up; before, there is nothing to act on). */
    public void login(String user, String remote, boolean ok) {
        running().ifPresent(r -> record(r, user, remote, ok ? "login" : "login-refused", "appliance", ok ? "ok" : "wrong user or password"));
    }

    /** An operator action's outcome, for the API's answer. */
    public record Outcome(boolean ok, String message) { }

    public Outcome powerCycle(Running r, MacAddress mac, String user, String remote) {
        AttestationNode a = r.parts().attestation().orElse(null);
        if (a == null) {
            return record(r, user, remote, "power-cycle", mac.toString(), new Outcome(false, "no power control: attestation is off (--attest)"));
        }
        try {
            a.actions().power().powerCycle(mac.toString());
            return record(r, user, remote, "power-cycle", mac.toString(), new Outcome(true, "power-cycled by " + a.actions().power().describe(mac.toString())));
        } catch (IOException e) {
            return record(r, user, remote, "power-cycle", mac.toString(), new Outcome(false, e.getMessage()));
        }
    }

    public Outcome quarantine(Running r, MacAddress mac, boolean cut, String user, String remote) {
        AttestationNode a = r.parts().attestation().orElse(null);
        String action = cut ? "quarantine" : "release";
        if (a == null) {
            return record(r, user, remote, action, mac.toString(), new Outcome(false, "no network control: attestation is off (--attest)"));
        }
        try {
            if (cut) {
                a.actions().network().cut(mac.toString());
                quarantined.add(mac.toString());
            } else {
                a.actions().network().restore(mac.toString());
                quarantined.remove(mac.toString());
            }
            r.feed().changed(mac);
            return record(r, user, remote, action, mac.toString(), new Outcome(true, cut ? "network cut" : "network restored"));
        } catch (IOException e) {
            return record(r, user, remote, action, mac.toString(), new Outcome(false, e.getMessage()));
        }
    }

    /**
     * Enrolls an HPC from the dashboard: kept in DATA-DIR/enrolled (durably, before DHCP answers it), then DHCP answers
     * its MAC from the next request on. Its fleet rounds need it in the fleet's peer list too (docs/service.md).
     */
    public Outcome enroll(Running r, org.leo.pxe.dhcp.Reservation reservation, String user, String remote) {
        String target = reservation.mac().toString();
        try {
            r.parts().pxe().dhcpConfig().orElseThrow(() -> new IllegalStateException("this appliance runs no DHCP (--no-dhcp or "
                    + "--proxy-dhcp): enroll the HPC where its addresses are handed out")).withReservation(reservation); // checked before it is kept
            Enrollment.keep(r.parts().dataDir(), reservation);
            r.parts().pxe().enroll(reservation);
            r.feed().changed(reservation.mac());
            return record(r, user, remote, "enroll", target, new Outcome(true, "enrolled as " + Enrollment.format(reservation)));
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            return record(r, user, remote, "enroll", target, new Outcome(false, e.getMessage()));
        }
    }

    /**
     * Rotates {@code mac}'s agent key: its certificates revoked, its attestation ended, then a power-cycle so that a new
     * boot enrolls with a new key. Done (ok) once the certificates are revoked; the message says whether the power-cycle
     * happened or the HPC must be rebooted by hand.
     */
    public Outcome rotateKey(Running r, MacAddress mac, String user, String remote) {
        AttestationNode a = r.parts().attestation().orElse(null);
        if (a == null) {
            return record(r, user, remote, "rotate-key", mac.toString(), new Outcome(false, "attestation is off (--attest): no agent holds a key"));
        }
        String revoked;
        try {
            java.util.List<String> serials = a.rotateKey(mac.toString(), "operator " + user);
            revoked = serials.isEmpty() ? "no unexpired certificate to revoke" : "certificate(s) " + String.join(", ", serials) + " revoked";
        } catch (IOException | java.sql.SQLException | RuntimeException e) {
            return record(r, user, remote, "rotate-key", mac.toString(), new Outcome(false, "not rotated: " + e.getMessage()));
        } finally {
            r.feed().changed(mac);
        }
        String then;
        try {
            a.actions().power().powerCycle(mac.toString());
            then = "power-cycled by " + a.actions().power().describe(mac.toString()) + ": it enrolls with a new key as it boots";
        } catch (IOException e) {
            then = "not power-cycled (" + e.getMessage() + "): reboot it to attest it again, with a new key";
        }
        return record(r, user, remote, "rotate-key", mac.toString(), new Outcome(true, revoked + "; " + then));
    }

    /** Signs every dashboard session out (the session key rotates); the caller's session ends too. */
    public Outcome rotateSessionKey(Running r, String user, String remote) {
        try {
            sessions().orElseThrow(() -> new IOException("no session key is kept")).rotate();
            return record(r, user, remote, "rotate-session-key", "appliance", new Outcome(true, "session key rotated: every dashboard session ended, yours too"));
        } catch (IOException e) {
            return record(r, user, remote, "rotate-session-key", "appliance", new Outcome(false, e.getMessage()));
        }
    }

    private Outcome record(Running r, String user, String remote, String action, String target, Outcome o) {
        record(r, user, remote, action, target, (o.ok() ? "done, " : "failed, ") + o.message());
        return o;
    }

    private void record(Running r, String user, String remote, String action, String target, String outcome) {
        r.feed().audit(r.audit().record(user, remote, action, target, outcome));
    }
}
