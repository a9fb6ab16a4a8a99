package org.leo.appliance.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;
import org.leo.appliance.service.ApplianceHolder;
import org.leo.appliance.service.LoginThrottle;

/** Checks a user name and password (the dashboard's login form, or HTTP basic from scripts) against the users file. */
@ApplicationScoped
public class PasswordIdentity implements IdentityProvider<UsernamePasswordAuthenticationRequest> {
    @Inject
    ApplianceHolder holder;

    private final LoginThrottle throttle = new LoginThrottle();

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    /**
     * Audited: every refused password, and a successful sign-in through the dashboard's form. Not audited: a successful
     * HTTP basic check, which scripts repeat on every request (the actions they take are audited), and an attempt refused
     * unchecked by the throttle, which is only counted ({@code leo_web_logins_throttled_total}), so that guessing cannot
     * turn into a durable write per request.
     */
    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        RoutingContext rc = HttpSecurityUtils.getRoutingContextAttribute(request);
        String remote = rc == null || rc.request().remoteAddress() == null ? "?" : rc.request().remoteAddress().hostAddress();
        boolean form = rc != null && rc.request().path().endsWith("/j_security_check");
        String user = request.getUsername();
        return context.runBlocking(() -> {
            if (!throttle.allowed(user, remote)) {
                meters.counter("leo.web.logins.throttled").increment();
                throw new AuthenticationFailedException("too many failed logins: wait a minute");
            }
            Optional<Set<String>> roles = holder.users().check(user, request.getPassword().getPassword());
            throttle.outcome(user, remote, roles.isPresent());
            if (roles.isEmpty() || form) {
                holder.login(user, remote, roles.isPresent());
            }
            if (roles.isEmpty()) {
                throw new AuthenticationFailedException();
            }
            // a dashboard login's principal goes into its session cookie: it names the session key's generation too
            String principal = form ? holder.sessions().orElseThrow(() -> new AuthenticationFailedException("the appliance is starting"))
                    .principal(user) : user;
            return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(principal)).addRoles(roles.get()).build();
        });
    }
}
