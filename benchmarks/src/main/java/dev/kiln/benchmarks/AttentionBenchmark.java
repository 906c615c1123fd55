package dev.kiln.benchmarks;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.CpuDevice;
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
 * Fused causal self-attention through the CPU device's {@link Kernels}: {@code forward} is
 * {@link Kernels#attention}, {@code forwardBackward} that and {@link Kernels#attentionBackward}
 * (dQ, dK, dV from a given dO), batch 1. Operands live in device buffers made once; nothing is
 * allocated per call. JMH reports calls per second, and GFLOP/s as {@code :gflop}
 * ({@link #causalFlops}; forward and backward count three times the forward).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms2g", "-Xmx2g",
        "-XX:+AlwaysPreTouch"})
public class AttentionBenchmark {

    /** Query heads / key-value heads: 12/12 (multi-head), 16/4 (grouped-query). */
    @Param({"12/12", "16/4"})
    public String heads;

    @Param({"64", "128"})
    public int headDim;

    @Param({"512", "2048"})
    public int seq;

    /** Threads, the caller included; 0 means one per core. */
    @Param({"0"})
    public int threads;

    private CpuDevice device;
    private Kernels kernels;
    private AttentionShape shape;
    private Slice q;
    private Slice k;
    private Slice v;
    private Slice out;
    private Slice lse;
    private Slice dOut;
    private Slice dq;
    private Slice dk;
    private Slice dv;

    /**
     * Multiply-adds of causal attention's forward, times 2: per head, q·k and p·v over the
     * seq(seq+1)/2 query-key pairs that are not masked, each headDim long.
     */
    static double causalFlops(int batch, int seq, int heads, int headDim) {
        return 2.0 * batch * heads * headDim * seq * (seq + 1.0);
    }

    @Setup
    public void setUp() {
        String[] split = heads.split("/");
        int queryHeads = Integer.parseInt(split[0]);
        int kvHeads = Integer.parseInt(split[1]);
        device = new CpuDevice(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        kernels = device.kernels();
        shape = AttentionShape.causalSelf(1, seq, queryHeads, kvHeads, headDim);
        SplittableRandom random = new SplittableRandom(42);
        q = Buffers.upload(device, Data.uniform(random, (int) shape.queryElements()));
        k = Buffers.upload(device, Data.uniform(random, (int) shape.keyElements()));
        v = Buffers.upload(device, Data.uniform(random, (int) shape.keyElements()));
        dOut = Buffers.upload(device, Data.uniform(random, (int) shape.queryElements()));
        out = Buffers.zeros(device, shape.queryElements());
        lse = Buffers.zeros(device, shape.lseElements());
        dq = Buffers.zeros(device, shape.queryElements());
        dk = Buffers.zeros(device, shape.keyElements());
        dv = Buffers.zeros(device, shape.keyElements());
    }

    @TearDown
    public void tearDown() {
        for (Slice slice : new Slice[] {q, k, v, out, lse, dOut, dq, dk, dv}) {
            slice.buffer().release();
        }
        device.close();
    }

    /** Counts GFLOP done; JMH divides by the time, giving GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;
    }

    @Benchmark
    public DeviceBuffer forward(Flops flops) {
        flops.gflop += 1e-9 * causalFlops(1, seq, shape.heads(), headDim);
        kernels.attention(shape, q, k, v, null, out, lse);
        return out.buffer();
    }

    @Benchmark
    public DeviceBuffer forwardBackward(Flops flops) {
        flops.gflop += 3e-9 * causalFlops(1, seq, shape.heads(), headDim);
        kernels.attention(shape, q, k, v, null, out, lse);
        kernels.attentionBackward(shape, q, k, v, null, out, lse, dOut, dq, dk, dv);
        return dq.buffer();
    }
}
