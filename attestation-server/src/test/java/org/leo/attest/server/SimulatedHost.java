package org.leo.attest.server;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.leo.agent.EvidenceSource;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.HardwareResult;
import org.leo.protocol.attest.v1.KernelModule;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;
import org.leo.protocol.attest.v1.Socket;

/**
 * An HPC state the engine tests change at will (a new process, a USB device, a listening socket),
 * answered as the agent's collectors would. The collectors themselves are tested over crafted
 * /proc and /sys trees in hpc-agent; here the subject is the server: scheduling, checks, appraisal.
 */
final class SimulatedHost implements EvidenceSource {
    volatile String cmdline;
    final List<ProcessInfo> processes = new CopyOnWriteArrayList<>(List.of(
            process(1, "init", "/init", "aa"), process(77, "java", "/opt/jre/bin/java", "bb")));
    final List<Device> devices = new CopyOnWriteArrayList<>(List.of(
            Device.newBuilder().setBus("pci").setId("0000:00:03.0").setDescription("1af4:1000 class 020000").build(),
            Device.newBuilder().setBus("block").setId("vda").setDescription("virtio disk 67108864 bytes").build()));
    final List<Socket> sockets = new CopyOnWriteArrayList<>(List.of(
            Socket.newBuilder().setProtocol("tcp").setLocal("10.77.0.10:40000").setRemote("10.77.0.1:7444").setState("ESTABLISHED").build()));
    volatile boolean silent;
    /** An HPC without a task engine, its mount table empty, until a test gives it another. */
    volatile org.leo.protocol.attest.v1.TaskStateResult taskState = org.leo.protocol.attest.v1.TaskStateResult.getDefaultInstance();

    SimulatedHost(String cmdline) {
        this.cmdline = cmdline;
    }

    static ProcessInfo process(int pid, String comm, String exe, String digestByte) {
        return ProcessInfo.newBuilder().setPid(pid).setPpid(pid == 1 ? 0 : 1).setComm(comm).setExe(exe)
                .setExeSha256(ByteString.fromHex(digestByte.repeat(32))).setCmdline(exe).build();
    }

    @Override
    public CheckResult answer(Check check, byte[] nonce) {
        if (silent) {
            try {
                Thread.sleep(Long.MAX_VALUE); // an agent that stops answering
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return switch (check.getKindCase()) {
            case OS -> CheckResult.newBuilder().setOs(OsResult.newBuilder()
                    .setKernelCmdlineIncluded(true).setKernelCmdline(cmdline)
                    .setModulesIncluded(true).addModules(KernelModule.newBuilder().setName("virtio_net").setSize(65536))
                    .setProcessesIncluded(true).addAllProcesses(processes)
                    .setRootFilesystemIncluded(check.getOs().getRootFilesystem())
                    .setRootFilesystemDigest(check.getOs().getRootFilesystem() ? ByteString.fromHex("cd".repeat(32)) : ByteString.EMPTY)
                    .setRootFilesystemFiles(check.getOs().getRootFilesystem() ? 120 : 0)).build();
            case HARDWARE -> CheckResult.newBuilder().setHardware(HardwareResult.newBuilder().addAllDevices(devices)).build();
            case NETWORK -> CheckResult.newBuilder().setNetwork(NetworkResult.newBuilder().addAllSockets(sockets)).build();
            case TASK_STATE -> CheckResult.newBuilder().setTaskState(taskState).build();
            default -> CheckResult.newBuilder().setError(org.leo.protocol.attest.v1.CheckError.newBuilder()
                    .setCheck(check.getKindCase().name()).setMessage("not simulated")).build();
        };
    }
}
