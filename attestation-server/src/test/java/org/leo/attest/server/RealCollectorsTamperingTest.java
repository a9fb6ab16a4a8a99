package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.HostEvidence;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.boot.net.MacAddress;

/**
 * The real agent with its real collectors, reading a crafted host tree (proc, sys, dev, root) and
 * a swtpm as the HPC's own TPM; the test tampers with the tree as an intruder would, and each change
 * is found by the next challenge that covers it: a disk chunk (checked against the Pi's reference
 * copy), a USB device, a new process, a listening socket, the kernel command line, a PCR.
 */
@Tag("system")
class RealCollectorsTamperingTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;

    @Test
    void everyTamperingIsFoundByTheRealCollectors() throws Exception {
        HostPaths host = CraftedHost.copyTo(tmp.resolve("hpc"));
        byte[] disk = new byte[16 * 4096];
        new Random(7).nextBytes(disk);
        Files.createDirectories(host.root().resolve("srv"));
        Path image = host.root().resolve("srv/scratch.img");
        Files.write(image, disk);
        Path reference = tmp.resolve("pi-reference.img"); // the Pi's own copy of what it provisioned
        Files.write(reference, disk);

        Policy policy = Policy.of(Map.ofEntries(
                Map.entry("challenge.mean-seconds", "0.15"), Map.entry("challenge.min-seconds", "0.02"),
                Map.entry("challenge.max-seconds", "1"), Map.entry("challenge.deadline-seconds", "5"),
                Map.entry("check.os.probability", "1"), Map.entry("check.hardware.probability", "1"),
                Map.entry("check.network.probability", "1"), Map.entry("check.disk-spot.probability", "1"),
                Map.entry("check.disk-root.probability", "0"), Map.entry("check.tpm.probability", "1"),
                Map.entry("tpm.pcrs", "16"), Map.entry("action.critical", "record,alert"), Map.entry("action.cooldown-seconds", "0"),
                Map.entry("disk.scratch.path", "/srv/scratch.img"), Map.entry("disk.scratch.chunk-size", "4096"),
                Map.entry("disk.scratch.spot-chunks", "8"), Map.entry("disk.scratch.reference", reference.toString())));
        try (SwtpmProcess hpcTpm = SwtpmProcess.start(); TestAppliance appliance = new TestAppliance(tmp.resolve("pi"), policy, Duration.ofHours(1))) {
            String nonce = appliance.boot(MAC);
            Files.writeString(host.proc().resolve("cmdline"), TestAppliance.cmdline(nonce) + "\n");
            Agent agent = new Agent(appliance.agentConfig(MAC, TestAppliance.cmdline(nonce)),
                    new HostEvidence(host, Map.of(), Optional.of(hpcTpm.endpoint()), 1), Map.of());
            Thread t = new Thread(agent, "agent");
            t.start();
            try {
                appliance.awaitVerdict(v -> v.clean() && v.challengeId() > 0 && appliance.verdicts.indexOf(v) >= 2, 30);
                assertThat(appliance.verdicts).allMatch(Verdict::clean);

                // A write to the scratch disk, as from outside the guest.
                try (var ch = java.nio.channels.FileChannel.open(image, StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.wrap("tampered".getBytes()), 5 * 4096 + 100);
                }
                Finding f = finding(appliance, "disk.chunk.changed");
                assertThat(f.sentence()).startsWith("HPC 52:54:00:77:00:10: disk /srv/scratch.img chunk 5 differs from the Pi's reference copy (nonce-keyed digest ");
                assertThat(appliance.verdicts.stream().flatMap(v -> v.findings().stream()).filter(x -> x.eventId().equals("disk.chunk.changed"))
                        .map(Finding::sentence)).allMatch(s -> s.contains(" chunk 5 "));
                Files.write(image, disk); // put it back

                org.leo.agent.collect.CraftedHost.plugUsbStick(host);
                f = finding(appliance, "hardware.usb.added");
                assertThat(f.sentence()).startsWith("HPC 52:54:00:77:00:10: USB device 2-1 (").contains("0781:5567").endsWith(") appeared");

                Path nc = host.root().resolve("usr/bin/nc");
                Files.writeString(nc, "#!/bin/sh\n# a netcat\n");
                Path pid = host.proc().resolve("777");
                Files.createDirectories(pid);
                Files.writeString(pid.resolve("stat"), "777 (nc) S 1 777 777 0 -1 4194304 100 0 0 0 2 1 0 0 20 0 1 0 900 123456 78 "
                        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
                Files.writeString(pid.resolve("status"), "Name:\tnc\nUid:\t0\t0\t0\t0\n");
                Files.writeString(pid.resolve("cmdline"), "nc\0-l\0-p\0004444\0");
                Files.createSymbolicLink(pid.resolve("exe"), nc.toAbsolutePath());
                f = finding(appliance, "os.process.new");
                assertThat(f.sentence()).contains("pid 777 'nc'");

                Files.writeString(host.proc().resolve("net/tcp"), "   9: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 "
                        + "00000000     0        0 9999 1 0000000000000000 100 0 0 10 0\n", StandardOpenOption.APPEND);
                f = finding(appliance, "network.listen.new");
                assertThat(f.sentence()).endsWith("listens on 0.0.0.0:4444");

                try (Tpm tpm = Tpm.open(hpcTpm.endpoint())) { // something on the HPC measured a new thing
                    tpm.pcrExtend(16, new byte[32]);
                }
                f = finding(appliance, "tpm.pcr.changed");
                assertThat(f.sentence()).startsWith("HPC 52:54:00:77:00:10: the HPC's TPM quote: ");

                Files.writeString(host.proc().resolve("cmdline"), TestAppliance.cmdline(nonce) + " init=/bin/sh\n");
                f = finding(appliance, "os.cmdline.changed");
                assertThat(f.got()).endsWith("init=/bin/sh");
                assertThat(appliance.log.verify().intact()).isTrue();
            } finally {
                agent.close();
                t.join(10_000);
            }
        }
    }

    static Finding finding(TestAppliance a, String id) throws InterruptedException {
        Verdict v = a.awaitVerdict(TestAppliance.finding(id), 30);
        return v.findings().stream().filter(f -> f.eventId().equals(id)).findFirst().orElseThrow();
    }
}
