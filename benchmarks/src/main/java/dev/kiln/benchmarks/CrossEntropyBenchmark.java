package dev.kiln.benchmarks;

import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Mean cross-entropy of {@code logits [rows, vocab]}, forward and backward (dLogits), two ways:
 *
 * <ul>
 *   <li>{@code path=kernels}: {@link Kernels#crossEntropy} then {@link Kernels#crossEntropyBackward}
 *       into buffers made once;
 *   <li>{@code path=engine}: {@link TensorOps#crossEntropy} on logits that require grad, then
 *       {@code backward()}, in a {@link TensorScope}, the gradient cleared before each call: what
 *       a training step does, and what PyTorch's {@code F.cross_entropy(...).backward()} does.
 * </ul>
 *
 * JMH reports calls per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms8g", "-Xmx8g",
        "-XX:+AlwaysPreTouch"})
public class CrossEntropyBenchmark {

    /** Targets equal to this do not count (none do here); PyTorch's default. */
    static final int IGNORE_INDEX = -100;

    @Param({"512", "2048"})
    public int rows;

    @Param({"32000", "151936"})
    public int vocab;

    @Param({"kernels", "engine"})
    public String path;

    /** Threads, the caller included; 0 means one per core. */
    @Param({"0"})
    public int threads;

    private CpuDevice device;
    // path=kernels
    private Kernels kernels;
    private Slice logits;
    private Slice targets;
    private Slice losses;
    private Slice lse;
    private Slice dLogits;
    // path=engine
    private TensorOps ops;
    private Tensor logitsTensor;
    private Tensor targetsTensor;

    @Setup
    public void setUp() {
        device = new CpuDevice(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        SplittableRandom random = new SplittableRandom(42);
        // Logits of a freshly initialized model are small: N(0, 1) is the usual scale.
        float[] logitData = Data.gaussian(random, Math.multiplyExact(rows, vocab), 1);
        int[] targetData = Data.ints(random, rows, vocab);
        switch (path) {
            case "kernels" -> {
                kernels = device.kernels();
                logits = Buffers.upload(device, logitData);
                targets = Buffers.upload(device, targetData);
                losses = Buffers.zeros(device, rows);
                lse = Buffers.zeros(device, rows);
                dLogits = Buffers.zeros(device, (long) rows * vocab);
            }
            case "engine" -> {
                ops = new TensorEngine().on(device);
                logitsTensor = ops.parameter(logitData, Shape.of(rows, vocab));
                targetsTensor = ops.tensor(targetData, Shape.of(rows));
            }
            default -> throw new IllegalArgumentException("path is kernels or engine: " + path);
        }
    }

    @TearDown
    public void tearDown() {
        if (logitsTensor != null) {
            logitsTensor.zeroGrad();
            logitsTensor.close();
            targetsTensor.close();
        } else {
            for (Slice slice : new Slice[] {logits, targets, losses, lse, dLogits}) {
                slice.buffer().release();
            }
        }
        device.close();
    }

    @Benchmark
    @SuppressWarnings("try") // the scope acts by being open
    public float forwardBackward() {
        if (ops == null) {
            kernels.crossEntropy(logits, targets, losses, lse, rows, vocab, IGNORE_INDEX);
            kernels.crossEntropyBackward(logits, targets, lse, dLogits, rows, vocab, IGNORE_INDEX, 1f / rows);
            return 0;
        }
        logitsTensor.zeroGrad();
        try (TensorScope step = ops.scope()) {
            Tensor loss = ops.crossEntropy(logitsTensor, targetsTensor, IGNORE_INDEX);
            loss.backward();
            return loss.item();
        }
    }
}
