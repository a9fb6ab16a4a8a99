package org.leo.agent.task;

import java.time.Duration;

/**
 * An image in the engine whose id was checked against the expected digest.
 *
 * @param id   {@code sha256:<64 hex>}: the SHA-256 of the image's config, which names the SHA-256 of
 *             each layer (checked by the agent before the load and by dockerd during it)
 * @param took how long the check and the load took
 */
public record LoadedImage(String id, Duration took) {
}
