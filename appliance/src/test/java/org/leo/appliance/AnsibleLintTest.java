package org.leo.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.vm.Exec;

/**
 * The Ansible collection and the example inventory (ansible/, docs/ansible.md) pass {@code ansible/tests/lint}:
 * ansible-lint with the production profile, strict, finds nothing. And the script does fail on a finding: a copy with one
 * task that breaks production rules fails it.
 */
class AnsibleLintTest {
    static final Path ANSIBLE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolveSibling("ansible").normalize();
    static final Duration LINT = Duration.ofMinutes(5);

    private static Exec.Result lint(Path dir) throws IOException {
        assumeTrue(Exec.onPath("ansible-lint"), "ansible-lint is not installed (scripts/install-deps test)");
        return Exec.run(LINT, ANSIBLE.resolve("tests/lint").toString(), dir.toString());
    }

    @Test
    void theCollectionAndTheInventoryExampleAreCleanWithTheProductionProfile() throws IOException {
        Exec.Result r = lint(ANSIBLE);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("Passed with production profile: 0 failure(s), 0 warning(s)");
    }

    @Test
    void aFindingFailsTheLint(@TempDir Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(ANSIBLE)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = dir.resolve(ANSIBLE.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Files.writeString(dir.resolve("ansible_collections/leo/appliance/roles/common/tasks/main.yml"),
                "\n- shell: systemctl restart leo\n", StandardOpenOption.APPEND);
        Exec.Result r = lint(dir);
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("name[missing]", "fqcn[action-core]", "no-changed-when");
    }
}
