package org.leo.bench.vrf;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.consensus.vrf.VrfVerdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ECVRF prove and verify throughput (ops/s), one thread, and BouncyCastle's Ed25519 verify in the
 * same JVM as a Java yardstick. The proofs cycle through 64 keys and alphas, so try-and-increment's
 * number of tries (1 with probability 1/2, 2 with 1/4, ...) averages out as it does in use.
 * Run by bench/vrf.sh, which also runs openssl speed ed25519 and writes docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class VrfBench {
    static final int CASES = 64;

    byte[][] sk = new byte[CASES][];
    byte[][] pk = new byte[CASES][];
    byte[][] alpha = new byte[CASES][];
    byte[][] pi = new byte[CASES][];
    byte[][] sig = new byte[CASES][];
    int next;

    @Setup
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(9381);
        for (int i = 0; i < CASES; i++) {
            sk[i] = new byte[32];
            rnd.nextBytes(sk[i]);
            alpha[i] = new byte[32];
            rnd.nextBytes(alpha[i]);
            pk[i] = Ecvrf.publicKey(sk[i]);
            pi[i] = Ecvrf.prove(sk[i], alpha[i]);
            sig[i] = new byte[Ed25519.SIGNATURE_SIZE];
            Ed25519.sign(sk[i], 0, alpha[i], 0, alpha[i].length, sig[i], 0);
        }
    }

    private int index() {
        next = (next + 1) & (CASES - 1);
        return next;
    }

    @Benchmark
    public byte[] prove() {
        int i = index();
        return Ecvrf.prove(sk[i], alpha[i]);
    }

    @Benchmark
    public VrfVerdict verify() {
        int i = index();
        VrfVerdict v = Ecvrf.verify(pk[i], pi[i], alpha[i]);
        if (!v.isValid()) {
            throw new IllegalStateException(v.toLine());
        }
        return v;
    }

    @Benchmark
    public boolean bouncyCastleEd25519Verify() {
        int i = index();
        return Ed25519.verify(sig[i], 0, pk[i], 0, alpha[i], 0, alpha[i].length);
    }
}
