package org.leo.appliance.web;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TrustedAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;
import org.leo.appliance.service.ApplianceHolder;

/**
 * The dashboard's session: its encrypted cookie names the user; the roles are read from the users file again on each
 * request, so a removed user or role takes effect at once rather than when the session expires.
 */
@ApplicationScoped
public class SessionIdentity implements IdentityProvider<TrustedAuthenticationRequest> {
    @Inject
    ApplianceHolder holder;

    @Override
    public Class<TrustedAuthenticationRequest> getRequestType() {
        return TrustedAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TrustedAuthenticationRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            Optional<Set<String>> roles = holder.users().roles(request.getPrincipal());
            if (roles.isEmpty()) {
                throw new AuthenticationFailedException("user " + request.getPrincipal() + " no longer exists");
            }
            return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(request.getPrincipal())).addRoles(roles.get()).build();
        });
    }
}
