package org.leo.protocol.tpm.eventlog;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The TCG_EfiSpecIDEvent that opens a crypto-agile log (signature "Spec ID Event03"; PFP v1.05
 * section 10.4.5.1): which hash algorithms every later event carries a digest for, and their
 * sizes. Untrusted like everything in the log, but harmless: a wrong size makes the parse fail or
 * the replay mismatch the quote.
 *
 * @param platformClass    0 client, 1 server
 * @param specVersionMinor the PFP version the firmware claims (2.0 for every crypto-agile log)
 * @param specVersionMajor see specVersionMinor
 * @param specErrata       the errata level claimed
 * @param uintnSize        size of UEFI UINTN fields in event data: 1 = UINT32, 2 = UINT64
 * @param algorithms       the declared (algorithm, digest size) pairs, in log order, no algorithm twice
 * @param vendorInfo       opaque vendor bytes (at most 255)
 */
public record SpecIdEvent(long platformClass, int specVersionMinor, int specVersionMajor, int specErrata,
        int uintnSize, List<DigestSize> algorithms, byte[] vendorInfo) {
    /** uintnSize value of 32-bit UEFI. */
    public static final int UINTN_UINT32 = 1;
    /** uintnSize value of 64-bit UEFI (x86_64, aarch64). */
    public static final int UINTN_UINT64 = 2;

    /** One TCG_EfiSpecIdEventAlgorithmSize. */
    public record DigestSize(int algorithmId, int digestSize) {
        @Override
        public String toString() {
            return DigestAlgorithms.name(algorithmId) + "/" + digestSize;
        }
    }

    public SpecIdEvent {
        algorithms = List.copyOf(algorithms);
        vendorInfo = vendorInfo.clone();
    }

    @Override
    public byte[] vendorInfo() {
        return vendorInfo.clone();
    }

    /** The declared digest size of {@code algorithmId}, if the log carries that bank. */
    public Optional<Integer> digestSize(int algorithmId) {
        return algorithms.stream().filter(a -> a.algorithmId() == algorithmId).map(DigestSize::digestSize).findFirst();
    }

    /** "sha1, sha256": the banks, for messages. */
    String bankNames() {
        return algorithms.stream().map(a -> DigestAlgorithms.name(a.algorithmId())).collect(Collectors.joining(", "));
    }
}
