package org.leo.attest.appraise;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;
import java.util.Optional;
import org.leo.attest.server.Limits;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.DiskRootCheck;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotCheck;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.HardwareCheck;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.NetworkCheck;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;

/**
 * The server's path for an evidence body that passed the signature check (a compromised agent
 * signs whatever it likes): parse, limits, appraisal against a golden. Whatever the bytes, it ends
 * in a parse error, a limit, or a verdict; never another exception.
 */
class EvidenceAppraisalFuzzTest {
    static final Policy POLICY = Policy.of(Map.of("disk.d.path", "/dev/vda", "disk.d.chunk-size", "4096"));
    static final Golden GOLDEN = new Golden("52:54:00:77:00:10", "5a".repeat(32), EvidenceBody.newBuilder()
            .addResults(CheckResult.newBuilder().setOs(OsResult.newBuilder().setKernelCmdlineIncluded(true)
                    .setKernelCmdline("leo.nonce=" + "5a".repeat(32)).setProcessesIncluded(true).setModulesIncluded(true)))
            .addResults(CheckResult.newBuilder().setHardware(HardwareResult.newBuilder()
                    .addDevices(Device.newBuilder().setBus("pci").setId("0000:00:03.0").setDescription("1af4:1000"))))
            .addResults(CheckResult.newBuilder().setDiskRoot(DiskRootResult.newBuilder().setTarget("/dev/vda")
                    .setSizeBytes(40960).setChunkSize(4096).setRoot(ByteString.copyFrom(new byte[32]))))
            .build());
    static final Challenge CHALLENGE = Challenge.newBuilder().setChallengeId(7).setNonce(ByteString.copyFrom(new byte[32]))
            .addChecks(Check.newBuilder().setOs(OsCheck.newBuilder().setKernelCmdline(true).setProcesses(true).setModules(true)))
            .addChecks(Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()))
            .addChecks(Check.newBuilder().setNetwork(NetworkCheck.getDefaultInstance()))
            .addChecks(Check.newBuilder().setDiskRoot(DiskRootCheck.newBuilder().setTarget("/dev/vda")))
            .addChecks(Check.newBuilder().setDiskSpot(DiskSpotCheck.newBuilder().setTarget("/dev/vda").addChunkIndices(3).addChunkIndices(9)))
            .build();
    static final Appraiser APPRAISER = new Appraiser(POLICY);

    @FuzzTest(maxDuration = "20s")
    void appraisalNeverThrows(byte[] data) {
        EvidenceBody body;
        try {
            body = EvidenceBody.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            return; // refused as evidence.malformed
        }
        Optional<String> limit = Limits.problem(body);
        if (limit.isPresent()) {
            assertThat(limit.get()).startsWith("evidence holds ");
            return;
        }
        Verdict v = APPRAISER.appraise("52:54:00:77:00:10", CHALLENGE, body, GOLDEN);
        for (Finding f : v.findings()) {
            assertThat(f.sentence()).startsWith("HPC 52:54:00:77:00:10: ");
        }
    }
}
