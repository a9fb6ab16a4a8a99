package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceSpecTest {
    private static final String BUSYBOX = "deb busybox-static 1:1.35.0-4+deb12u1+b1 amd64 " + "a".repeat(64) + "\n";

    @Test
    void theDemoSpecsParse() throws Exception {
        Path services = HpcImageReproducibleTest.REPO.resolve("os-image/services");
        ServiceSpec grey = ServiceSpec.read(services.resolve("grey.service"));
        assertThat(grey.name()).isEqualTo("grey");
        assertThat(grey.arch()).isEqualTo("amd64");
        assertThat(grey.only()).containsEntry("netpbm", List.of("usr/bin/pngtopam", "usr/bin/pngtopnm", "usr/bin/ppmtopgm", "usr/bin/pnmtopng"));
        assertThat(grey.applets()).contains("sh");
        ServiceSpec names = ServiceSpec.read(services.resolve("common-names.service"));
        assertThat(names.lock().debs()).extracting(InputsLock.Deb::name).containsExactly("busybox-static");
        assertThat(names.applets()).contains("sh", "sort", "uniq");
    }

    @Test
    void malformedSpecsAreRefusedWithTheLine() {
        assertThatThrownBy(() -> ServiceSpec.parse(BUSYBOX + "busybox sh\n", "x.service"))
                .hasMessage("x.service: no 'service NAME' line");
        assertThatThrownBy(() -> ServiceSpec.parse("service A\n", "x.service"))
                .hasMessageStartingWith("x.service line 1: expected one 'service NAME'");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\nservice b\n", "x.service"))
                .hasMessageStartingWith("x.service line 2: expected one 'service NAME'");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\n" + BUSYBOX + "only busybox-static ../etc/shadow\n", "x.service"))
                .hasMessage("x.service line 3: path '../etc/shadow' is malformed");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\n" + BUSYBOX + "only netpbm usr/bin/x\n", "x.service"))
                .hasMessage("x.service: 'only netpbm' names a package the spec does not pin");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\nbusybox sh\n", "x.service"))
                .hasMessage("x.service: no deb line");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\n\n" + BUSYBOX.replace("amd64", "i386"), "x.service"))
                .hasMessageStartingWith("x.service line 3: architecture i386");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\n" + BUSYBOX + "run /bin/sh\n", "x.service"))
                .hasMessage("x.service line 3: expected service, deb, only or busybox, got: run /bin/sh");
        assertThatThrownBy(() -> ServiceSpec.parse("service a\n" + BUSYBOX + "busybox s/h\n", "x.service"))
                .hasMessage("x.service line 3: applet 's/h' is malformed");
    }
}
