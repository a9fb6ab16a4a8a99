package org.leo.appliance.web;

import io.smallrye.mutiny.Multi;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.leo.appliance.cli.VersionProvider;
import org.leo.appliance.service.ApplianceHolder;
import org.leo.appliance.service.Dashboard;
import org.leo.appliance.service.LiveFeed;
import org.leo.boot.net.MacAddress;

/**
 * The operator API under {@code /api}: what the dashboard shows (role viewer or operator) and the actions it offers
 * (role operator). Every action is audited. {@code src/main/resources/META-INF/resources/openapi.yaml} describes it;
 * {@code OpenApiContractTest} keeps the two in step.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ApiResource {
    static final String VIEW = "viewer";
    static final String ACT = "operator";

    @Inject
    ApplianceHolder holder;

    /** Who is logged in, and what they may do. */
    public record Me(String user, Set<String> roles) { }

    @GET
    @Path("/me")
    @RolesAllowed({VIEW, ACT})
    public Me me(@Context SecurityContext sec) {
        String user = user(sec);
        return new Me(user, holder.users().roles(user).orElse(Set.of()));
    }

    @GET
    @Path("/appliance")
    @RolesAllowed({VIEW, ACT})
    public Dashboard.ApplianceView appliance() {
        return running().dashboard().appliance(new VersionProvider().getVersion()[0]);
    }

    @GET
    @Path("/hpcs")
    @RolesAllowed({VIEW, ACT})
    public List<Dashboard.HpcView> hpcs() {
        return running().dashboard().hpcs();
    }

    @GET
    @Path("/hpcs/{mac}")
    @RolesAllowed({VIEW, ACT})
    public Dashboard.HpcDetail hpc(@PathParam("mac") String mac) {
        return running().dashboard().detail(mac(mac));
    }

    @GET
    @Path("/fleet")
    @RolesAllowed({VIEW, ACT})
    public Dashboard.FleetView fleet() {
        return running().dashboard().fleet();
    }

    @GET
    @Path("/ledger")
    @RolesAllowed({VIEW, ACT})
    public Dashboard.LedgerView ledger(@QueryParam("before") Long before, @QueryParam("limit") Integer limit) {
        return running().dashboard().ledger(Optional.ofNullable(before), limit == null ? 50 : limit);
    }

    /**
     * Events a live stream may have waiting for its browser: more, and the stream fails (ends), so the page reconnects and
     * fetches its views again. Never dropped one by one: an action's burst (a view, log entries, the audit record) is
     * a few events, and a page that silently missed one of them would show a stale state as live.
     */
    static final int LIVE_BACKLOG = 256;

    /** Live updates: boot events, log entries, audit records and the HPC views they change, as server-sent events. */
    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @RolesAllowed({VIEW, ACT})
    public Multi<LiveFeed.Event> events(@Context SecurityContext sec) {
        LiveFeed feed = running().feed();
        // a dashboard session's stream ends with the session: at the first event after the session key rotated (the
        // rotation's own audit record is one), and the page's reconnection then finds the session over
        String principal = sec.getUserPrincipal().getName();
        boolean session = !org.leo.appliance.service.SessionGeneration.userOf(principal).equals(principal);
        return Multi.createFrom().<LiveFeed.Event>emitter(em -> {
            AutoCloseable sub = feed.subscribe(e -> {
                if (session && holder.sessions().flatMap(g -> g.user(principal)).isEmpty()) {
                    em.complete();
                } else {
                    em.emit(e);
                }
            });
            em.onTermination(() -> {
                try {
                    sub.close();
                } catch (Exception e) {
                    // nothing to release
                }
            });
        }, LIVE_BACKLOG);
    }

    /** The result of an operator action. */
    public record ActionResult(String hpc, String action, boolean ok, String message) { }

    @POST
    @Path("/hpcs/{mac}/power-cycle")
    @RolesAllowed(ACT)
    public Response powerCycle(@PathParam("mac") String mac, @Context SecurityContext sec, @Context HttpServerRequest req) {
        return act(mac, "power-cycle", (r, m) -> holder.powerCycle(r, m, user(sec), remote(req)));
    }

    @POST
    @Path("/hpcs/{mac}/quarantine")
    @RolesAllowed(ACT)
    public Response quarantine(@PathParam("mac") String mac, @Context SecurityContext sec, @Context HttpServerRequest req) {
        return act(mac, "quarantine", (r, m) -> holder.quarantine(r, m, true, user(sec), remote(req)));
    }

    @POST
    @Path("/hpcs/{mac}/release")
    @RolesAllowed(ACT)
    public Response release(@PathParam("mac") String mac, @Context SecurityContext sec, @Context HttpServerRequest req) {
        return act(mac, "release", (r, m) -> holder.quarantine(r, m, false, user(sec), remote(req)));
    }

    @POST
    @Path("/hpcs/{mac}/rotate-key")
    @RolesAllowed(ACT)
    public Response rotateKey(@PathParam("mac") String mac, @Context SecurityContext sec, @Context HttpServerRequest req) {
        return act(mac, "rotate-key", (r, m) -> holder.rotateKey(r, m, user(sec), remote(req)));
    }

    /** Rotates the session key: every dashboard session ends, the caller's too (its cookie is dropped). */
    @POST
    @Path("/session-key/rotate")
    @RolesAllowed(ACT)
    public Response rotateSessionKey(@Context SecurityContext sec, @Context HttpServerRequest req) {
        ApplianceHolder.Outcome o = holder.rotateSessionKey(running(), user(sec), remote(req));
        Response.ResponseBuilder b = Response.status(o.ok() ? 200 : 409).entity(new ActionResult("appliance", "rotate-session-key", o.ok(), o.message()));
        return (o.ok() ? b.cookie(DROP_SESSION) : b).build();
    }

    /** Runs an action on an HPC this Pi serves: 200 when done, 409 when it could not be (the message says why). */
    private Response act(String mac, String action, java.util.function.BiFunction<ApplianceHolder.Running, MacAddress, ApplianceHolder.Outcome> how) {
        ApplianceHolder.Running r = running();
        MacAddress m = known(r, mac);
        ApplianceHolder.Outcome o = how.apply(r, m);
        return Response.status(o.ok() ? 200 : 409).entity(new ActionResult(m.toString(), action, o.ok(), o.message())).build();
    }

    /** An HPC to enroll: its MAC, and a reserved address and host name if it gets one (else a pool address). */
    public record EnrollRequest(String mac, String address, String hostname) { }

    @POST
    @Path("/enrollments")
    @RolesAllowed(ACT)
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    public Response enroll(EnrollRequest body, @Context SecurityContext sec, @Context HttpServerRequest req) {
        ApplianceHolder.Running r = running();
        if (body == null || body.mac() == null) {
            throw new WebApplicationException(Response.status(400).entity(new Problem("give {mac, address, hostname}")).build());
        }
        org.leo.pxe.dhcp.Reservation reservation;
        try {
            reservation = org.leo.appliance.service.Enrollment.of(mac(body.mac()).toString(), body.address(), body.hostname());
        } catch (IllegalArgumentException e) {
            throw new WebApplicationException(Response.status(400).entity(new Problem(String.valueOf(e.getMessage()))).build());
        }
        ApplianceHolder.Outcome o = holder.enroll(r, reservation, user(sec), remote(req));
        return Response.status(o.ok() ? 200 : 409).entity(new ActionResult(reservation.mac().toString(), "enroll", o.ok(), o.message())).build();
    }

    /** Tells the browser to drop its session cookie. */
    private static final NewCookie DROP_SESSION = new NewCookie.Builder("quarkus-credential").value("").path("/").maxAge(0).httpOnly(true).build();

    /** Ends the dashboard's session: its cookie is the whole session, so the browser is told to drop it. */
    @POST
    @Path("/logout")
    public Response logout() {
        return Response.noContent().cookie(DROP_SESSION).build();
    }

    private ApplianceHolder.Running running() {
        return holder.running().orElseThrow(() -> new WebApplicationException("the appliance is starting", 503));
    }

    private static MacAddress mac(String text) {
        try {
            return MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new WebApplicationException(Response.status(400).entity(new Problem("not a MAC address: " + cut(text))).build());
        }
    }

    /** An action only ever touches an HPC this Pi serves. */
    private static MacAddress known(ApplianceHolder.Running r, String text) {
        MacAddress m = mac(text);
        if (!r.dashboard().serves(m)) {
            throw new WebApplicationException(Response.status(404).entity(new Problem("HPC " + m + " is not served by this appliance")).build());
        }
        return m;
    }

    public record Problem(String error) { }

    private static String cut(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** The user of a request: a dashboard session's principal also names the session key's generation. */
    private static String user(SecurityContext sec) {
        return org.leo.appliance.service.SessionGeneration.userOf(sec.getUserPrincipal().getName());
    }

    private static String remote(HttpServerRequest req) {
        return req.remoteAddress() == null ? "?" : req.remoteAddress().hostAddress();
    }
}
