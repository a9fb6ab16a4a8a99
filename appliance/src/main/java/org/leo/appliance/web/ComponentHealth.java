package org.leo.appliance.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.leo.appliance.service.ApplianceHolder;

/**
 * Readiness per component ({@code /q/health/ready}): DOWN until {@code leo serve} has started every part; then the
 * boot server, the attestation server, the consensus service (DOWN while this Pi is not yet admitted to the fleet)
 * and the ledger (DOWN when its head cannot be read), each with what it is serving. A component that is switched
 * off is UP with {@code enabled=false}. Liveness ({@code /q/health/live}) says the process answers.
 */
@ApplicationScoped
public class ComponentHealth {
    @Inject
    ApplianceHolder holder;

    @Produces
    @Liveness
    HealthCheck alive() {
        return () -> HealthCheckResponse.up("leo");
    }

    @Produces
    @Readiness
    HealthCheck pxe() {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("pxe");
            return holder.running().map(r -> b.up().withData("hpcs", r.parts().enrolled().size())
                    .withData("tftp", r.parts().pxe().tftpAddress().map(String::valueOf).orElse("off"))
                    .withData("http", r.parts().pxe().httpAddress().map(String::valueOf).orElse("off")).build())
                    .orElseGet(() -> b.down().withData("reason", "starting").build());
        };
    }

    @Produces
    @Readiness
    HealthCheck attestation() {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("attestation");
            return holder.running().map(r -> r.parts().attestation()
                    .map(a -> b.up().withData("enabled", true).withData("logEntries", a.log().head().map(h -> h.seq()).orElse(0L)).build())
                    .orElseGet(() -> b.up().withData("enabled", false).build()))
                    .orElseGet(() -> b.down().withData("reason", "starting").build());
        };
    }

    @Produces
    @Readiness
    HealthCheck consensus() {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("consensus");
            return holder.running().map(r -> r.parts().fleet()
                    .map(f -> b.status(f.admitted()).withData("enabled", true).withData("admitted", f.admitted())
                            .withData("member", f.node().keys().memberHex()).build())
                    .orElseGet(() -> b.up().withData("enabled", false).build()))
                    .orElseGet(() -> b.down().withData("reason", "starting").build());
        };
    }

    @Produces
    @Readiness
    HealthCheck ledger() {
        return () -> {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("ledger");
            return holder.running().map(r -> r.parts().ledger().map(l -> {
                try {
                    return b.up().withData("enabled", true).withData("head", l.head().map(h -> h.seq()).orElse(-1L)).build();
                } catch (RuntimeException e) {
                    return b.down().withData("enabled", true).withData("reason", String.valueOf(e.getMessage())).build();
                }
            }).orElseGet(() -> b.up().withData("enabled", false).build())).orElseGet(() -> b.down().withData("reason", "starting").build());
        };
    }
}
