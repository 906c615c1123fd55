package dev.kiln.benchmarks;

import dev.kiln.hal.cpu.kernel.Parallelism;
import dev.kiln.hal.cpu.kernel.Sgemm;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM, C = A * op(B) with C m x n, at a square size and at the shapes of a transformer layer
 * (GPT-2 small: d=768, 512 tokens): QKV projection, attention output, MLP up and MLP down.
 * JMH reports calls per second and, as the secondary result {@code sgemm:gflop}, GFLOP/s
 * (2*m*n*k flops per call).
 *
 * <p>{@code transpose} is op(A) op(B): NN multiplies row-major A (m x k) by B (k x n); NT by B
 * stored n x k, the layout of a linear layer's weight (y = x W^T). {@code weights} is how B is
 * stored: f32, or bf16 (A stays f32, the sums are f32).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
public class SgemmBenchmark {

    /** m x n x k. */
    @Param({"2048x2048x2048", "512x2304x768", "512x768x768", "512x3072x768", "512x768x3072"})
    public String shape;

    @Param({"NN", "NT"})
    public String transpose;

    @Param({"f32"})
    public String weights;

    /** Threads, the caller included; 0 means one per core. */
    @Param({"0"})
    public int threads;

    private int m;
    private int n;
    private int k;
    private boolean transB;
    private float[] a;
    private float[] b;
    private short[] bf16b;
    private float[] c;
    private Parallelism parallelism;

    @Setup
    public void setUp() {
        String[] mnk = shape.split("x");
        m = Integer.parseInt(mnk[0]);
        n = Integer.parseInt(mnk[1]);
        k = Integer.parseInt(mnk[2]);
        if (!transpose.equals("NN") && !transpose.equals("NT")) {
            throw new IllegalArgumentException("transpose is NN or NT: " + transpose);
        }
        transB = transpose.equals("NT");
        SplittableRandom random = new SplittableRandom(42);
        a = randomArray(random, m * k);
        b = randomArray(random, k * n);
        switch (weights) {
            case "f32" -> bf16b = null;
            case "bf16" -> bf16b = toBf16(b);
            default -> throw new IllegalArgumentException("weights are f32 or bf16: " + weights);
        }
        c = new float[m * n];
        parallelism = threads == 0 ? Parallelism.allCores() : Parallelism.fixed(threads);
    }

    @TearDown
    public void tearDown() {
        parallelism.close();
    }

    /** Counts GFLOP done; JMH divides by the time, giving GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    @Benchmark
    public float[] sgemm(Flops flops) {
        flops.gflop += 2e-9 * m * n * k;
        int ldb = transB ? k : n;
        if (bf16b == null) {
            Sgemm.multiply(false, transB, m, n, k, 1f, a, 0, k, b, 0, ldb, 0f, c, 0, n, parallelism);
        } else {
            Sgemm.multiply(false, transB, m, n, k, 1f, a, 0, k, bf16b, 0, ldb, 0f, c, 0, n, parallelism);
        }
        return c;
    }

    /** The upper halves of the floats' bits: bfloat16, rounded toward zero (fine for timing). */
    private static short[] toBf16(float[] x) {
        short[] out = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (short) (Float.floatToRawIntBits(x[i]) >>> 16);
        }
        return out;
    }

    private static float[] randomArray(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        return x;
    }
}
