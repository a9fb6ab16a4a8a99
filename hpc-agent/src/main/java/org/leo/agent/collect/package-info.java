/**
 * The agent's evidence collectors. Each reads only under a {@link org.leo.agent.collect.HostPaths}
 * (the real {@code /proc}, {@code /sys}, {@code /dev} and {@code /} by default, a crafted tree in
 * tests) and returns the generated result message of {@code attestation.proto}:
 * <ul>
 *   <li>{@link org.leo.agent.collect.DiskFingerprinter}: Merkle roots and nonce-keyed spot checks of
 *       disk targets ({@code DiskRootResult}, {@code DiskSpotResult});</li>
 *   <li>{@link org.leo.agent.collect.OsCollector}: kernel command line, modules, process table with
 *       executable digests, root file system digest ({@code OsResult});</li>
 *   <li>{@link org.leo.agent.collect.MemoryCollector}: nonce-keyed digests of named memory regions
 *       ({@code MemoryResult});</li>
 *   <li>{@link org.leo.agent.collect.HardwareCollector}: DMI, CPUs, PCI, USB, block devices, NICs
 *       ({@code HardwareResult});</li>
 *   <li>{@link org.leo.agent.collect.NetworkCollector}: interfaces, addresses, routes, sockets
 *       ({@code NetworkResult}).</li>
 * </ul>
 * A missing file gives a smaller result, never an exception; hostile content (a crafted line, an
 * endless file) is bounded by named caps and skipped line by line. The line parsers are pure
 * functions ({@link org.leo.agent.collect.ProcStat}, {@link org.leo.agent.collect.SocketLineParser},
 * ...) so the appraising side can reuse them, and each has a Jazzer fuzz test.
 */
package org.leo.agent.collect;
