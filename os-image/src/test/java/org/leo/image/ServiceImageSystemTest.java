package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.task.DockerdProcess;
import org.leo.agent.task.ImageArchive;
import org.leo.agent.task.Limits;
import org.leo.agent.task.LoadedImage;
import org.leo.agent.task.Result;
import org.leo.agent.task.Sandbox;
import org.leo.agent.task.SandboxConfig;

/**
 * The two demo service images (os-image/services), built twice from their pinned Debian packages
 * (fetched into the shared test cache) to the same bytes and id, checked by the agent's
 * {@code ImageArchive}, then loaded and run with their code scripts as inputs through the agent's
 * {@code Sandbox} on a private dockerd ({@code DockerdProcess}), as the executor's HPC runs them.
 */
@Tag("system")
class ServiceImageSystemTest {
    static final Path SERVICES = HpcImageReproducibleTest.REPO.resolve("os-image/services");
    @TempDir
    static Path tmp;
    static ServiceImageBuilder.Built grey;
    static ServiceImageBuilder.Built names;
    static DockerdProcess dockerd;
    static Sandbox sandbox;

    @BeforeAll
    static void build() throws Exception {
        grey = ServiceImageBuilder.build(ServiceSpec.read(SERVICES.resolve("grey.service")), HpcImageReproducibleTest.CACHE, tmp.resolve("grey.tar"));
        names = ServiceImageBuilder.build(ServiceSpec.read(SERVICES.resolve("common-names.service")), HpcImageReproducibleTest.CACHE,
                tmp.resolve("common-names.tar"));
        for (ServiceImageBuilder.Built b : List.of(grey, names)) {
            System.out.printf("service image %s: %s, %d bytes, layer %d bytes, %d entries%n", b.archive().getFileName(), b.id(),
                    Files.size(b.archive()), b.layerBytes(), b.entries());
        }
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    static Sandbox sandbox() throws Exception {
        if (sandbox == null) {
            Optional<String> why = DockerdProcess.unavailableReason();
            assumeTrue(why.isEmpty(), () -> why.orElse(""));
            dockerd = DockerdProcess.start();
            sandbox = Sandbox.connect(new SandboxConfig(dockerd.socketUri(), dockerd.workRoot(), dockerd.execRoot()));
        }
        return sandbox;
    }

    @Test
    void twoBuildsGiveTheSameArchiveAndId() throws Exception {
        for (String spec : List.of("grey", "common-names")) {
            ServiceImageBuilder.Built one = spec.equals("grey") ? grey : names;
            ServiceImageBuilder.Built two = ServiceImageBuilder.build(ServiceSpec.read(SERVICES.resolve(spec + ".service")),
                    HpcImageReproducibleTest.CACHE, tmp.resolve(spec + "-again.tar"));
            assertThat(two.id()).isEqualTo(one.id());
            assertThat(Files.readAllBytes(two.archive())).isEqualTo(Files.readAllBytes(one.archive()));
        }
        assertThat(grey.id()).isNotEqualTo(names.id());
    }

    @Test
    void theAgentsArchiveCheckAcceptsBothWithTheirIds() throws Exception {
        for (ServiceImageBuilder.Built b : List.of(grey, names)) {
            try (InputStream in = Files.newInputStream(b.archive())) {
                ImageArchive a = ImageArchive.verify(in, b.id());
                assertThat(a.imageId()).isEqualTo(b.id());
                assertThat(a.layers()).hasSize(1);
            }
        }
    }

    @Test
    void greyTurnsAColourPictureGrey() throws Exception {
        int w = 64;
        int h = 48;
        BufferedImage colour = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                colour.setRGB(x, y, rgb(x * 4, y * 5, (x * y) % 256));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(colour, "png", png);
        Result r = run(grey, "grey.sh", Map.of("input", png.toByteArray()));
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(r.result().orElseThrow()));
        assertThat(out.getWidth()).isEqualTo(w);
        assertThat(out.getHeight()).isEqualTo(h);
        Raster raster = out.getRaster();
        assertThat(raster.getNumBands()).as("a grey PNG: one sample per pixel, R = G = B").isEqualTo(1);
        int exact = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = colour.getRGB(x, y);
                double lumin = 0.299 * (c >> 16 & 0xff) + 0.587 * (c >> 8 & 0xff) + 0.114 * (c & 0xff);
                int got = raster.getSample(x, y, 0);
                assertThat((double) got).as("pixel %d,%d", x, y).isCloseTo(lumin, org.assertj.core.data.Offset.offset(1.0));
                exact += got == (int) (lumin + 0.5) ? 1 : 0;
            }
        }
        System.out.printf("grey: %d of %d pixels exactly round(.299 R + .587 G + .114 B), the others within 1%n", exact, w * h);
    }

    @Test
    void commonNamesReturnsTheIntersection() throws Exception {
        byte[] a = "alice\nbob\ncarol\ndave\r\n\nerin\n".getBytes(StandardCharsets.UTF_8);
        byte[] b = "zoe\ndave\nalice\nmallory\nalice\nerin".getBytes(StandardCharsets.UTF_8);
        Result r = run(names, "common-names.sh", Map.of("names-a", a, "names-b", b));
        assertThat(new String(r.result().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("alice\ndave\nerin\n");
    }

    private static Result run(ServiceImageBuilder.Built image, String code, Map<String, byte[]> data) throws Exception {
        Sandbox s = sandbox();
        LoadedImage loaded = s.load(image.archive(), image.id());
        Map<String, byte[]> inputs = new java.util.HashMap<>(data);
        inputs.put("code", Files.readAllBytes(SERVICES.resolve(code)));
        Result r = s.run(image.id(), List.of("/bin/sh", "/work/code"), inputs, Limits.DEFAULT, Duration.ofSeconds(60));
        System.out.printf("%s: load %d ms, %s; exit %d; stderr %s%n", code, loaded.took().toMillis(), r.timings(), r.exitCode(), r.stderr().text());
        assertThat(r.exitCode()).as("stderr: %s", r.stderr().text()).isZero();
        assertThat(r.cleanUpErrors()).isEmpty();
        assertThat(s.verifyClean(Duration.ofSeconds(10)).clean()).isTrue();
        return r;
    }

    private static int rgb(int r, int g, int b) {
        return (r & 0xff) << 16 | (g & 0xff) << 8 | (b & 0xff);
    }
}
