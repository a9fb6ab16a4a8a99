package org.leo.attest.appraise;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.leo.protocol.attest.v1.KernelModule;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.OsResult;
import org.leo.protocol.attest.v1.ProcessInfo;

/**
 * Appraises the OS part of the evidence against the golden baseline: kernel command line (which
 * must also carry the enrolled boot nonce), loaded modules, the process table (by executable path
 * and digest; kernel threads, which have no executable, are not compared) and the root file system
 * digest. A part the check asked for and the answer leaves out is never "nothing to compare": the
 * missing command line is {@code os.cmdline.nonce}, and the appraiser and the golden check name
 * every missing part ({@link #omitted}).
 */
final class OsAppraisal {
    private OsAppraisal() {
    }

    /** The parts {@code asked} for that {@code got} does not include, in the order of the check. */
    static List<String> omitted(OsCheck asked, OsResult got) {
        List<String> out = new ArrayList<>();
        if (asked.getKernelCmdline() && !got.getKernelCmdlineIncluded()) {
            out.add("kernel command line");
        }
        if (asked.getModules() && !got.getModulesIncluded()) {
            out.add("modules");
        }
        if (asked.getProcesses() && !got.getProcessesIncluded()) {
            out.add("processes");
        }
        if (asked.getRootFilesystem() && !got.getRootFilesystemIncluded()) {
            out.add("root file system");
        }
        return out;
    }

    static void appraise(OsCheck asked, OsResult got, Golden golden, Findings out) {
        OsResult ref = golden.os().orElse(OsResult.getDefaultInstance());
        String nonceArg = "leo.nonce=" + golden.bootNonce();
        if (asked.getKernelCmdline() && !got.getKernelCmdlineIncluded()) {
            out.add("kernel command line", "os.cmdline.nonce", nonceArg, "",
                    "the answer leaves out the kernel command line, so it does not show the enrolled boot nonce " + Findings.shortHex(golden.bootNonce()));
        }
        if (got.getKernelCmdlineIncluded()) {
            if (!org.leo.protocol.LeoCmdline.parse(got.getKernelCmdline()).nonce().equals(java.util.Optional.of(golden.bootNonce()))) {
                out.add("kernel command line", "os.cmdline.nonce", nonceArg, got.getKernelCmdline(),
                        "kernel command line no longer carries the enrolled boot nonce " + Findings.shortHex(golden.bootNonce()));
            }
            if (ref.getKernelCmdlineIncluded() && !ref.getKernelCmdline().equals(got.getKernelCmdline())) {
                out.add("kernel command line", "os.cmdline.changed", ref.getKernelCmdline(), got.getKernelCmdline(),
                        "kernel command line changed from '" + ref.getKernelCmdline() + "' to '" + got.getKernelCmdline() + "'");
            }
        }
        if (got.getModulesIncluded() && ref.getModulesIncluded()) {
            modules(ref.getModulesList(), got.getModulesList(), out);
        }
        if (got.getProcessesIncluded() && ref.getProcessesIncluded()) {
            processes(ref.getProcessesList(), got.getProcessesList(), out);
        }
        if (got.getRootFilesystemIncluded() && ref.getRootFilesystemIncluded()
                && !ref.getRootFilesystemDigest().equals(got.getRootFilesystemDigest())) {
            HexFormat hex = HexFormat.of();
            out.add("root file system", "os.rootfs.changed", hex.formatHex(ref.getRootFilesystemDigest().toByteArray()),
                    hex.formatHex(got.getRootFilesystemDigest().toByteArray()),
                    "the running root file system changed: " + got.getRootFilesystemFiles() + " files, digest "
                            + Findings.shortHex(hex.formatHex(got.getRootFilesystemDigest().toByteArray())) + ", booted with "
                            + ref.getRootFilesystemFiles() + " files, digest "
                            + Findings.shortHex(hex.formatHex(ref.getRootFilesystemDigest().toByteArray())));
        }
    }

    private static void modules(List<KernelModule> ref, List<KernelModule> got, Findings out) {
        Set<String> before = new HashSet<>();
        ref.forEach(m -> before.add(m.getName()));
        Set<String> now = new HashSet<>();
        for (KernelModule m : got) {
            now.add(m.getName());
            if (!before.contains(m.getName())) {
                out.add("kernel modules", "os.module.loaded", "", m.getName(),
                        "kernel module " + m.getName() + " (" + m.getSize() + " bytes) was loaded");
            }
        }
        for (KernelModule m : ref) {
            if (!now.contains(m.getName())) {
                out.add("kernel modules", "os.module.unloaded", m.getName(), "", "kernel module " + m.getName() + " was unloaded");
            }
        }
    }

    private static void processes(List<ProcessInfo> ref, List<ProcessInfo> got, Findings out) {
        HexFormat hex = HexFormat.of();
        Map<String, Set<String>> digestsByExe = new HashMap<>();
        for (ProcessInfo p : ref) {
            if (!p.getExe().isEmpty()) {
                digestsByExe.computeIfAbsent(p.getExe(), e -> new HashSet<>()).add(hex.formatHex(p.getExeSha256().toByteArray()));
            }
        }
        Set<String> exesNow = new HashSet<>();
        for (ProcessInfo p : got) {
            if (p.getExe().isEmpty() || ignored(p.getComm(), out.policy().ignoredProcesses())) {
                continue; // kernel threads have no executable; ignored names may come and go
            }
            exesNow.add(p.getExe());
            String digest = hex.formatHex(p.getExeSha256().toByteArray());
            Set<String> known = digestsByExe.get(p.getExe());
            String who = "pid " + p.getPid() + " '" + p.getComm() + "' (" + p.getExe() + ", sha256 " + Findings.shortHex(digest) + ")";
            if (known == null) {
                out.add("process table", "os.process.new", "", p.getExe() + " " + digest,
                        "a new process is running: " + who + ", command line '" + p.getCmdline() + "'");
            } else if (!known.contains(digest)) {
                out.add("process table", "os.process.exe_changed", String.join(",", known), digest,
                        "process " + who + " runs an executable whose digest differs from the one booted");
            }
        }
        for (ProcessInfo p : ref) {
            if (!p.getExe().isEmpty() && !exesNow.contains(p.getExe()) && !ignored(p.getComm(), out.policy().ignoredProcesses())) {
                exesNow.add(p.getExe()); // report each vanished executable once
                out.add("process table", "os.process.gone", p.getExe(), "",
                        "process '" + p.getComm() + "' (" + p.getExe() + ") that ran at enrollment is gone");
            }
        }
    }

    static boolean ignored(String name, List<String> patterns) {
        for (String p : patterns) {
            if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }
}
