package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.ServerProcess;
import org.leo.pxe.vm.TimedLine;

/**
 * The Ansible collection ({@code ansible/ansible_collections/leo/appliance}, docs/ansible.md) against real hosts: three
 * containers with systemd and sshd ({@link AnsiblePis}) provisioned over ssh from this build's Debian package. In order,
 * each test from where the last left the Pis:
 * <ol>
 * <li>{@code leo.appliance.site} installs, configures and starts leo on every Pi and joins them into a fleet on an anvil
 *     chain (ready on /q/health/ready, which the role waits for); a second run reports changed=0 on every host;</li>
 * <li>a configuration {@code leo config check} refuses (an unknown key in leo.properties, an unknown key in the attestation
 *     policy it names) fails the play and replaces nothing: the files in force and the running leo stay as they were;</li>
 * <li>the three provisioned Pis form the fleet: the third Pi's simulated HPC (a real agent) gets a TRUSTED certificate from
 *     the other two, on the chain, read back with {@code leo ledger show} from the first Pi;</li>
 * <li>{@code leo.appliance.rotate_keys} ends every dashboard session of every Pi and rotates the HPC's agent key;</li>
 * <li>{@code leo.appliance.upgrade} installs a newer package one Pi at a time, restarts leo once, waits until it is ready;
 *     a second run changes nothing.</li>
 * </ol>
 */
@Tag("system")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnsibleIT {
    static final int N = 3;
    /** A certificate of the HPC comes within this many 12 s rounds (each certifies TRUSTED with about 61 %, AnsiblePis). */
    static final Duration ROUNDS = Duration.ofSeconds(12 * 15);

    static AnsiblePis pis;
    static ServerProcess hpcPiLog;

    @BeforeAll
    static void start() throws Exception {
        Path deb = DebPackageIT.debPackage().orElse(null);
        AnsiblePis.assumeRunnable(deb);
        pis = new AnsiblePis(Files.createTempDirectory("leoa-ansible-"), N, deb);
    }

    @AfterAll
    static void stop() {
        if (hpcPiLog != null) {
            hpcPiLog.stop();
        }
        if (pis != null) {
            pis.close();
        }
    }

    private static void assertEveryHost(AnsiblePis.Run run, String what, java.util.function.Predicate<AnsiblePis.HostRecap> ok) {
        assertThat(run.recap().keySet()).as(what + ": the recap names every Pi\n" + run.tail(60)).containsExactlyInAnyOrder("pi1", "pi2", "pi3");
        run.recap().forEach((host, r) -> assertThat(ok.test(r)).as(what + ": " + host + " " + r + "\n" + run.tail(60)).isTrue());
    }

    @Test
    @Order(1)
    void siteProvisionsEveryPiAndASecondRunChangesNothing() throws Exception {
        AnsiblePis.Run first = pis.playbook("leo.appliance.site");
        assertThat(first.exitCode()).as(first.tail(80)).isZero();
        assertEveryHost(first, "first run", r -> r.changed() > 0 && r.failed() == 0 && r.unreachable() == 0);
        for (int i = 1; i <= N; i++) {
            assertThat(pis.ok(i, "systemctl is-active leo; systemctl is-enabled leo")).isEqualTo("active\nenabled\n");
            assertThat(pis.ok(i, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/q/health/ready")).isEqualTo("200");
            assertThat(pis.ok(i, "stat -c '%U:%G %a' /etc/leo/leo.properties /etc/leo/users /etc/leo/evm.key /etc/leo/fleet-peers"))
                    .isEqualTo("root:leo 640\n".repeat(4));
            assertThat(pis.ok(i, "leo user list | sort")).isEqualTo("grafana viewer\nolga operator\n");
            assertThat(pis.ok(i, "leo config show")).contains("lease-time=600", "fleet=true", "evm-contract=" + pis.contract);
            assertThat(pis.ok(i, "grep -c '^[0-9a-f]\\{64\\} ' /etc/leo/fleet-peers").strip()).isEqualTo("3");
        }
        System.out.println("AnsibleIT: first run " + first.took().toSeconds() + " s, " + first.recap());

        AnsiblePis.Run second = pis.playbook("leo.appliance.site");
        assertThat(second.exitCode()).as(second.tail(80)).isZero();
        assertEveryHost(second, "second run", r -> r.changed() == 0 && r.failed() == 0 && r.unreachable() == 0);
        System.out.println("AnsibleIT: second run " + second.took().toSeconds() + " s, " + second.recap());
    }

    @Test
    @Order(2)
    void aConfigurationLeoConfigCheckRefusesReplacesNothing() throws Exception {
        String inForce = "sha256sum /etc/leo/leo.properties /etc/leo/attestation-policy.properties; systemctl show -p MainPID --value leo";
        List<String> before = new ArrayList<>();
        for (int i = 1; i <= N; i++) {
            before.add(pis.ok(i, inForce));
        }
        // a key leo does not know, and a policy key the appraiser does not know: each refused, in the staged files
        for (String bad : List.of("{\"leo_config\": {\"interfce\": \"hpc0\"}}",
                "{\"leo_attest_policy\": {\"tpm.required\": false, \"challenge.mean-secondz\": 5}}")) {
            Path file = Files.writeString(pis.run.resolve("bad-" + System.nanoTime() + ".json"), bad + "\n");
            AnsiblePis.Run run = pis.playbook("leo.appliance.site", "-e", "@" + file);
            assertThat(run.exitCode()).as(run.tail(40)).isNotZero();
            assertEveryHost(run, "a refused configuration", r -> r.failed() == 1);
            assertThat(run.output()).containsAnyOf("unknown key 'interfce' (did you mean 'interface'?)",
                    "attestation-policy.properties: unknown policy key 'challenge.mean-secondz'");
            for (int i = 1; i <= N; i++) {
                assertThat(pis.ok(i, inForce)).as("Pi %d: the files in force and the running leo after %s", i, bad).isEqualTo(before.get(i - 1));
            }
        }
        assertThat(pis.ok(N, "grep -c secondz /var/lib/leo-ansible/staged/etc/attestation-policy.properties")).as("it stayed staged")
                .isEqualTo("1\n");
    }

    @Test
    @Order(3)
    void theProvisionedPisFormAFleetThatCertifiesTheSimulatedHpc() throws Exception {
        hpcPiLog = pis.journal(N);
        int from = hpcPiLog.output().lines().size();
        long t0 = System.nanoTime();
        pis.bootHpc(N);
        Pattern open = Pattern.compile("HPC " + Pattern.quote(AnsiblePis.hpcMac(N).toString()) + ": attestation stream open");
        assertThat(hpcPiLog.output().await(open, from, LeoFleet.START, () -> !pis.agent.isAlive()))
                .as("the agent's attestation stream; Pi log:\n%s\nagent:\n%s", AnsiblePis.tail(hpcPiLog, 40), AnsiblePis.tail(pis.agent, 30)).isPresent();
        Pattern trusted = Pattern.compile(LeoFleet.Certificate.LINE.pattern().replace("(TRUSTED|UNTRUSTED)", "TRUSTED"));
        Optional<TimedLine> line = hpcPiLog.output().await(trusted, from, ROUNDS, () -> false);
        assertThat(line).as("a TRUSTED certificate for the HPC within %s; Pi %d's log:\n%s", ROUNDS, N, AnsiblePis.tail(hpcPiLog, 60)).isPresent();
        LeoFleet.Certificate c = LeoFleet.Certificate.of(line.get().text()).orElseThrow();
        System.out.printf("AnsibleIT: HPC %s TRUSTED in round %d with %d vote(s), ledger entry #%d, %d s after its boot began%n", c.hpc(),
                c.round(), c.votes(), c.ledgerSeq(), Duration.ofNanos(System.nanoTime() - t0).toSeconds());
        String shown = pis.ok(1, "leo ledger show --limit 10000 --evm-rpc " + pis.evmRpc() + " --evm-chain-id " + LeoFleet.CHAIN_ID
                + " --evm-contract " + pis.contract);
        assertThat(shown.lines().map(FleetIT.SHOWN::matcher).filter(java.util.regex.Matcher::find))
                .as("leo ledger show on Pi 1:\n" + shown)
                .anyMatch(m -> Long.parseLong(m.group(1)) == c.ledgerSeq() && m.group(2).equals("TRUSTED") && m.group(4).equals(c.hpc().toString()));
    }

    @Test
    @Order(4)
    void rotateKeysEndsEveryDashboardSessionAndRotatesTheAgentKey() throws Exception {
        String login = "curl -s -o /dev/null -w '%{http_code}' -c /tmp/session -d j_username=" + AnsiblePis.OPERATOR + " -d j_password="
                + AnsiblePis.OPERATOR_PASSWORD + " http://127.0.0.1:8080/j_security_check";
        String me = "curl -s -o /dev/null -w '%{http_code}' -b /tmp/session http://127.0.0.1:8080/api/me";
        for (int i = 1; i <= N; i++) {
            assertThat(pis.ok(i, login)).isEqualTo("200");
            assertThat(pis.ok(i, me)).as("a dashboard session on Pi %d", i).isEqualTo("200");
        }
        AnsiblePis.Run run = pis.playbook("leo.appliance.rotate_keys", "-e", "leo_rotate_agent_keys=all");
        assertThat(run.exitCode()).as(run.tail(60)).isZero();
        assertEveryHost(run, "rotate_keys", r -> r.changed() > 0 && r.failed() == 0);
        assertThat(run.output()).contains("revoked");
        assertThat(pis.agent.output().await(Pattern.compile("the agent's key was rotated by operator " + AnsiblePis.OPERATOR), 0,
                Duration.ofSeconds(30), () -> false)).as("the agent's stream ended by the rotation:\n%s", AnsiblePis.tail(pis.agent, 20)).isPresent();
        for (int i = 1; i <= N; i++) {
            assertThat(pis.ok(i, me)).as("the session on Pi %d after the rotation", i).isEqualTo("401");
        }
    }

    @Test
    @Order(5)
    void upgradeInstallsANewerPackageOnePiAtATime() throws Exception {
        Path unpacked = pis.run.resolve("newer-deb");
        Exec.check("dpkg-deb", "-R", pis.deb.toString(), unpacked.toString());
        Path control = unpacked.resolve("DEBIAN/control");
        String version = Files.readAllLines(control).stream().filter(l -> l.startsWith("Version: ")).findFirst().orElseThrow().substring(9);
        String newer = version + "+ansible1";
        Files.writeString(control, Files.readString(control).replace("Version: " + version + "\n", "Version: " + newer + "\n"));
        Path newerDeb = pis.run.resolve("leo_" + newer.replace("~", "-") + "_all.deb");
        Exec.Result built = Exec.run(Duration.ofMinutes(3), "dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "-b", unpacked.toString(), newerDeb.toString());
        assertThat(built.exitCode()).as(built.output()).isZero();
        List<String> pids = new ArrayList<>();
        for (int i = 1; i <= N; i++) {
            pids.add(pis.ok(i, "systemctl show -p MainPID --value leo").strip());
        }

        AnsiblePis.Run run = pis.playbook("leo.appliance.upgrade", "-e", "leo_package_deb=" + newerDeb);
        assertThat(run.exitCode()).as(run.tail(60)).isZero();
        assertEveryHost(run, "upgrade", r -> r.changed() > 0 && r.failed() == 0);
        for (int i = 1; i <= N; i++) {
            assertThat(pis.ok(i, "dpkg-query -W -f '${Version}' leo")).isEqualTo(newer);
            assertThat(pis.ok(i, "systemctl show -p MainPID --value leo").strip()).as("leo restarted on Pi %d", i).isNotEqualTo(pids.get(i - 1));
            assertThat(pis.ok(i, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/q/health/ready")).isEqualTo("200");
        }
        // one restart per Pi: the package's postinst restarted leo, so the role did not again
        assertThat(run.output().lines().filter(l -> l.startsWith("TASK [leo.appliance.upgrade : Restart leo, which the package did not]")))
                .hasSize(N);
        assertThat(Pattern.compile("Restart leo, which the package did not\\] \\*+\\n(changed|ok):").matcher(run.output()).find())
                .as("the role restarted leo itself although the package had").isFalse();

        AnsiblePis.Run again = pis.playbook("leo.appliance.upgrade", "-e", "leo_package_deb=" + newerDeb);
        assertThat(again.exitCode()).as(again.tail(60)).isZero();
        assertEveryHost(again, "upgrade again", r -> r.changed() == 0 && r.failed() == 0);
        AnsiblePis.Run older = pis.playbook("leo.appliance.site");
        assertThat(older.recap().values()).as("site.yml with the older package refuses to downgrade").allMatch(r -> r.failed() == 1);
        assertThat(older.output()).contains("not downgrading");
        // the logs stay in the run directory; the 130 MB of packages do not
        Exec.check("rm", "-rf", unpacked.toString(), newerDeb.toString());
    }
}
