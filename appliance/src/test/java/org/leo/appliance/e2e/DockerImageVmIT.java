package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.ManifestParser;
import org.leo.boot.manifest.ManifestTool;
import org.leo.image.CpioWriter;
import org.leo.image.DockerEngine;
import org.leo.image.HpcImageBuilder;
import org.leo.image.ImageVerifier;
import org.leo.image.InputsLock;
import org.leo.image.ServiceImageBuilder;
import org.leo.image.ServiceSpec;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.QemuVm;
import org.leo.pxe.vm.SerialLine;

/**
 * The HPC image with the task engine ({@code --with-docker}), built from the pinned inputs and booted
 * under QEMU (TCG, 2 GiB, no NIC, the kernel and initrd loaded directly): /init starts dockerd, which
 * says it is ready with its version, overlay2 storage and cgroup v2. Then the grey demo runs in that
 * VM's engine: a test cpio appended to the initrd (the kernel unpacks concatenated archives in order)
 * replaces the agent's argument file by {@code SandboxProbe}, the agent's {@code Sandbox} configured
 * from the properties the image gives the agent, with the grey service image, its code and a colour
 * PNG; the grey PNG comes back over the serial console and is checked pixel by pixel, and the engine
 * is clean afterwards. Last, {@code ImageVerifier} rebuilds the variant against its signed manifest.
 * Prints the sizes and the boot timeline.
 */
@Tag("system")
class DockerImageVmIT {
    private static final Duration DOCKERD_TIMEOUT = Duration.ofSeconds(300);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(300);
    private static final int VM_MEMORY_MIB = 2048;
    static final Path REPO = HpcAttestationIT.REPO;
    static final Path CACHE = Path.of(System.getenv().getOrDefault("LEO_TEST_CACHE", "/var/cache/leo-test")).resolve("image");

    @TempDir
    Path tmp;

    @Test
    void dockerdRunsInTheBootedImageAndTheGreyServiceRunsInIt() throws Exception {
        assumeTrue(Files.exists(REPO.resolve("hpc-agent/target/agent-lib")), "hpc-agent is not packaged (./mvnw verify packages it first)");
        assumeTrue(Files.exists(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT-tests.jar")), "hpc-agent's test-jar is not packaged");
        assumeTrue(Exec.onPath(QemuVm.QEMU), QemuVm.QEMU + " missing (Debian package qemu-system-x86)");
        Path key = ManifestTool.generateKeyPair(tmp.resolve("keys")).privateKey();
        HpcImageBuilder.Config config = new HpcImageBuilder.Config(InputsLock.read(REPO.resolve("os-image/inputs.lock")), CACHE,
                HpcImageBuilder.agentJars(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"), REPO.resolve("hpc-agent/target/agent-lib")),
                REPO.resolve("hpc-agent/jvm.options"), Path.of(System.getProperty("java.home")), tmp.resolve("img"), 1_764_547_200L,
                "leo-hpc-docker-test", key, true);
        HpcImageBuilder.Result image = HpcImageBuilder.build(config);
        System.out.printf("image with the task engine: initrd.img %d bytes (%.1f MiB; %.1f MiB uncompressed, %d entries), vmlinuz %d bytes%n",
                image.initrdBytes(), image.initrdBytes() / 1048576.0, image.initrdUncompressedBytes() / 1048576.0, image.entries(),
                Files.size(image.vmlinuz()));
        assertThat(Files.readString(image.ipxeTemplate())).contains(DockerEngine.KERNEL_ARGUMENT);

        ServiceImageBuilder.Built grey = ServiceImageBuilder.build(ServiceSpec.read(REPO.resolve("os-image/services/grey.service")), CACHE,
                tmp.resolve("grey.tar"));
        BufferedImage colour = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < colour.getHeight(); y++) {
            for (int x = 0; x < colour.getWidth(); x++) {
                colour.setRGB(x, y, (x * 8 & 0xff) << 16 | (y * 10 & 0xff) << 8 | (x * y & 0xff));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(colour, "png", png);
        Path initrd = withProbe(image.initrd(), grey, png.toByteArray());

        try (QemuVm vm = QemuVm.directBoot(image.vmlinuz(), initrd, HpcImageBuilder.kernelArguments("amd64", true), tmp.resolve("vm"))
                .memoryMiB(VM_MEMORY_MIB).start()) {
            SerialLine init = vm.awaitSerial(Pattern.compile("LEO-IMAGE-INIT"), DOCKERD_TIMEOUT);
            SerialLine start = vm.awaitSerial(Pattern.compile("LEO-DOCKERD-(START|FAIL)"), DOCKERD_TIMEOUT);
            SerialLine ready = vm.awaitSerial(Pattern.compile("LEO-DOCKERD-(READY|FAIL)"), DOCKERD_TIMEOUT);
            assertThat(ready.text()).as(vm.tail()).contains("LEO-DOCKERD-READY").contains("version=20.10.24")
                    .contains("graphdriver(s)=overlay2").contains("cgroup=cgroup2").containsPattern("containerd=\\d+");
            SerialLine result = vm.awaitSerial(Pattern.compile("LEO-PROBE-(RESULT|FAIL)"), PROBE_TIMEOUT);
            assertThat(result.text()).as(vm.tail()).contains("LEO-PROBE-RESULT exit=0");
            SerialLine clean = vm.awaitSerial(Pattern.compile("LEO-PROBE-CLEAN"), PROBE_TIMEOUT);
            assertThat(clean.text()).contains("LEO-PROBE-CLEAN true");
            List<String> chunks = new ArrayList<>();
            for (SerialLine l : vm.serialLines()) {
                java.util.regex.Matcher m = Pattern.compile("LEO-PROBE-B64 (\\d+)/(\\d+) ([A-Za-z0-9+/=]+)").matcher(l.text());
                if (m.find()) {
                    chunks.add(m.group(3));
                }
            }
            assertGrey(colour, Base64.getDecoder().decode(String.join("", chunks)));
            System.out.println("serial (engine and probe):");
            vm.serialLines().stream().filter(l -> l.text().contains("LEO-") && !l.text().contains("LEO-PROBE-B64") || l.text().contains("leo-dockerd"))
                    .forEach(l -> System.out.println("  " + l));
            System.out.printf("boot timeline: /init at %s, dockerd started at %s, ready at %s (%.1f s after its start), grey result at %s%n",
                    init.at(), start.at(), ready.at(), (ready.at().toMillis() - start.at().toMillis()) / 1000.0, result.at());
        }

        Path manifest = image.manifest();
        List<ImageVerifier.Comparison> rebuilt = ImageVerifier.verify(config, ManifestParser.parse(Files.readAllBytes(manifest)));
        rebuilt.forEach(c -> System.out.println("rebuild: " + c.sentence()));
        assertThat(rebuilt).allMatch(ImageVerifier.Comparison::identical);
    }

    /**
     * The image's initrd with a second cpio appended: the probe (hpc-agent's test-jar), the grey image,
     * its code and the picture, and an agent argument file that runs the probe with the engine's
     * properties instead of the agent.
     */
    private Path withProbe(Path initrd, ServiceImageBuilder.Built grey, byte[] png) throws Exception {
        String args = Files.readString(REPO.resolve("hpc-agent/jvm.options")) + "-Djava.io.tmpdir=/tmp\n" + DockerEngine.agentProperties()
                + "-cp /opt/leo/agent/*:/opt/leo/probe/probe.jar\norg.leo.agent.task.SandboxProbe\n/opt/leo/probe/grey.tar\n" + grey.id()
                + "\n/opt/leo/probe/code\ninput=/opt/leo/probe/input.png\n";
        List<CpioWriter.Entry> entries = List.of(CpioWriter.Entry.dir("opt", 0755), CpioWriter.Entry.dir("opt/leo", 0755),
                CpioWriter.Entry.file("opt/leo/agent.args", 0644, args.getBytes(StandardCharsets.UTF_8)),
                CpioWriter.Entry.dir("opt/leo/probe", 0755),
                CpioWriter.Entry.file("opt/leo/probe/probe.jar", 0644, Files.readAllBytes(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT-tests.jar"))),
                CpioWriter.Entry.file("opt/leo/probe/grey.tar", 0644, Files.readAllBytes(grey.archive())),
                CpioWriter.Entry.file("opt/leo/probe/code", 0644, Files.readAllBytes(REPO.resolve("os-image/services/grey.sh"))),
                CpioWriter.Entry.file("opt/leo/probe/input.png", 0644, png));
        Path combined = tmp.resolve("initrd-with-probe.img");
        Files.copy(initrd, combined);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(combined, StandardOpenOption.APPEND))) {
            CpioWriter.write(entries, 0, out);
        }
        return combined;
    }

    /** One sample per pixel (R = G = B), each within 1 of ppmtopgm's luminance .299 R + .587 G + .114 B. */
    static void assertGrey(BufferedImage colour, byte[] png) throws Exception {
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(out).as("a PNG came back").isNotNull();
        Raster r = out.getRaster();
        assertThat(r.getNumBands()).isEqualTo(1);
        assertThat(out.getWidth()).isEqualTo(colour.getWidth());
        for (int y = 0; y < colour.getHeight(); y++) {
            for (int x = 0; x < colour.getWidth(); x++) {
                int c = colour.getRGB(x, y);
                double lumin = 0.299 * (c >> 16 & 0xff) + 0.587 * (c >> 8 & 0xff) + 0.114 * (c & 0xff);
                assertThat((double) r.getSample(x, y, 0)).as("pixel %d,%d", x, y).isCloseTo(lumin, Offset.offset(1.0));
            }
        }
    }
}
