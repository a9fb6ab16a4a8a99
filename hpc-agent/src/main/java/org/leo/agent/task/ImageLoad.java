package org.leo.agent.task;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import com.github.dockerjava.api.model.LoadResponseItem;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code docker load} of a service image that keeps it only if it is the expected one. Before: the
 * archive's content addresses are checked ({@link ImageArchive}), so a wrong archive never reaches
 * dockerd. After: the images the load added must be exactly the expected id, with no declared volumes;
 * anything else the load added is removed and the load refused. The check after the load alone is
 * enough to refuse a wrong image (dockerd names an image by its config's digest and checks each layer
 * against the config); the one before keeps dockerd from parsing it at all.
 */
final class ImageLoad {
    /** A whole image read and unpacked by dockerd; a bound for a stuck engine, not a budget. */
    static final Duration LOAD_TIMEOUT = Duration.ofMinutes(10);

    /** Opens the archive afresh: it is read twice, once by the check and once by the engine. */
    interface Source {
        InputStream open() throws IOException;
    }

    private final DockerClient docker;
    private final boolean checkBefore;

    ImageLoad(DockerClient docker, boolean checkBefore) {
        this.docker = docker;
        this.checkBefore = checkBefore;
    }

    LoadedImage load(Source archive, String expectedId) throws IOException, SandboxException {
        if (!ImageArchive.DIGEST.matcher(expectedId).matches()) {
            throw new IllegalArgumentException("expected image digest must be sha256:<64 lower-case hex>, got '" + TarReader.shorten(expectedId) + "'");
        }
        long start = System.nanoTime();
        if (checkBefore) {
            try (InputStream in = archive.open()) {
                ImageArchive.verify(in, expectedId);
            } catch (SandboxException e) {
                throw new SandboxException("image " + expectedId + " refused before loading: " + e.getMessage(), e);
            }
        }
        Set<String> before = imageIds();
        List<String> engineErrors = new ArrayList<>();
        try (InputStream in = archive.open()) {
            ResultCallback.Adapter<LoadResponseItem> progress = docker.loadImageAsyncCmd(in).exec(new ResultCallback.Adapter<>() {
                @Override
                public void onNext(LoadResponseItem item) {
                    if (item.isErrorIndicated()) {
                        engineErrors.add(item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : "an error without detail");
                    }
                }
            });
            if (!progress.awaitCompletion(LOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                progress.close();
                engineErrors.add("the engine did not finish loading within " + LOAD_TIMEOUT.toMinutes() + " min");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            engineErrors.add("interrupted while loading");
        } catch (RuntimeException e) {
            engineErrors.add(String.valueOf(e.getMessage()));
        }
        Set<String> after = imageIds();
        Set<String> added = new TreeSet<>(after);
        added.removeAll(before);
        String problem = null;
        if (!engineErrors.isEmpty()) {
            problem = "the engine refused the archive: " + String.join("; ", engineErrors);
        } else if (!after.contains(expectedId)) {
            problem = "the engine loaded " + (added.isEmpty() ? "no new image" : added) + ", not " + expectedId;
        } else if (added.size() > 1) {
            Set<String> others = new TreeSet<>(added);
            others.remove(expectedId);
            problem = "the archive also held " + others;
        } else {
            problem = declaredVolumes(expectedId);
        }
        if (problem != null) {
            List<String> removed = new ArrayList<>();
            for (String id : added) {
                remove(id);
                removed.add(id);
            }
            throw new SandboxException("image " + expectedId + " refused: " + problem + (removed.isEmpty() ? "" : "; removed " + removed));
        }
        return new LoadedImage(expectedId, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Removes an image and its tags; one that is gone already is fine. */
    void remove(String id) {
        try {
            docker.removeImageCmd(id).withForce(true).withNoPrune(false).exec();
        } catch (NotFoundException gone) {
            // removed already
        }
    }

    private String declaredVolumes(String id) {
        InspectImageResponse image = docker.inspectImageCmd(id).exec();
        Map<String, ?> volumes = image.getConfig() == null ? null : image.getConfig().getVolumes();
        return volumes == null || volumes.isEmpty() ? null
                : "it declares volumes " + new TreeSet<>(volumes.keySet()) + ", each a writable directory outside /work on the engine's disk";
    }

    private Set<String> imageIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (Image i : docker.listImagesCmd().withShowAll(true).exec()) {
            ids.add(i.getId());
        }
        return ids;
    }
}
