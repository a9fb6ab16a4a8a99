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
 * The dashboard's session: its encrypted cookie names the user and the session key's generation
 * ({@link org.leo.appliance.service.SessionGeneration}); a rotated key ends it. The roles are read from the users file again
 * on each request, so a removed user or role takes effect at once rather than when the session expires.
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
            // the cookie's principal is "user#generation": a session of an earlier session key is over
            Optional<String> user = holder.sessions().flatMap(g -> g.user(request.getPrincipal()));
            if (user.isEmpty()) {
                throw new AuthenticationFailedException("the session ended: the session key was rotated");
            }
            Optional<Set<String>> roles = holder.users().roles(user.get());
            if (roles.isEmpty()) {
                throw new AuthenticationFailedException("user " + user.get() + " no longer exists");
            }
            // the principal stays "user#generation", as the cookie is renewed from it; the API reads the user from it
            return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(request.getPrincipal())).addRoles(roles.get()).build();
        });
    }
}
