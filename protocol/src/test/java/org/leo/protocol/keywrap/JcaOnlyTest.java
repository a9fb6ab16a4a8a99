package org.leo.protocol.keywrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent opens sealed keys without BouncyCastle (hpc-agent/pom.xml excludes it): no class of
 * this package may name a BouncyCastle or TSS.Java type. A class that did would compile here and
 * fail with NoClassDefFoundError only on the HPC.
 */
class JcaOnlyTest {
    @Test
    void noClassOfThePackageReferencesBouncyCastle() throws Exception {
        Path classes = Path.of(AgentKeyWrap.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("org/leo/protocol/keywrap");
        List<Path> files;
        try (Stream<Path> s = Files.list(classes)) {
            files = s.filter(f -> f.toString().endsWith(".class")).toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString())
                .contains("AgentKeyWrap.class", "Hkdf.class", "P256.class", "ReleaseContext.class", "KeyWrapException.class");
        for (Path f : files) {
            // class files name the types they use in their constant pool as UTF-8 internal names
            String constants = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(constants).as(f.getFileName().toString()).doesNotContain("org/bouncycastle").doesNotContain("tss/");
        }
    }
}
