package dev.kiln.benchmarks;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.TensorEngine;
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
 * Forward and backward of one Llama decoder layer ({@link LlamaBlock}) through the tensor engine
 * on the CPU device: the input and every parameter require grad, the loss is the mean of the
 * layer's output, and each call runs in its own {@link TensorScope} after clearing the
 * gradients (PyTorch's {@code zero_grad(set_to_none=True)}), so memory is the same from call to
 * call. No optimizer step.
 *
 * <p>JMH reports calls per second, tokens per second ({@code :tokens}) and GFLOP/s
 * ({@code :gflop}, {@link LlamaBlock.Config#trainingFlops}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms4g", "-Xmx4g",
        "-XX:+AlwaysPreTouch"})
public class LlamaBlockBenchmark {

    /** hidden/heads/kvHeads/intermediate. */
    @Param({"768/12/12/2048", "2048/16/4/5632"})
    public String config;

    @Param({"512"})
    public int seq;

    @Param({"1"})
    public int batch;

    /** Threads, the caller included; 0 means one per core. */
    @Param({"0"})
    public int threads;

    private CpuDevice device;
    private TensorOps ops;
    private LlamaBlock.Config sizes;
    private LlamaBlock block;
    private Tensor x;
    private Tensor positions;

    @Setup
    public void setUp() {
        device = new CpuDevice(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
        ops = new TensorEngine().on(device);
        sizes = LlamaBlock.Config.parse(config);
        block = new LlamaBlock(ops, sizes, 42);
        x = input(ops, sizes, batch, seq);
        positions = positions(ops, batch, seq);
    }

    /** The layer's input, standing for the previous layer's output: it requires grad too. */
    static Tensor input(TensorOps ops, LlamaBlock.Config sizes, int batch, int seq) {
        float[] data = Data.gaussian(new SplittableRandom(7), batch * seq * sizes.hidden(), 1);
        return ops.parameter(data, Shape.of(batch, seq, sizes.hidden()));
    }

    /** Positions 0 .. seq-1 for every sequence. */
    static Tensor positions(TensorOps ops, int batch, int seq) {
        int[] data = new int[batch * seq];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % seq;
        }
        return ops.tensor(data, Shape.of(batch, seq));
    }

    @TearDown
    public void tearDown() {
        device.close();
    }

    /** Counts tokens and GFLOP done; JMH divides by the time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Throughput {
        public double tokens;
        public double gflop;
    }

    @Benchmark
    public float forwardBackward(Throughput throughput) {
        throughput.tokens += (double) batch * seq;
        throughput.gflop += 1e-9 * sizes.trainingFlops(batch, seq);
        return step(ops, block, x, positions);
    }

    /** One forward and backward pass; returns the loss. */
    @SuppressWarnings("try") // the scope acts by being open
    static float step(TensorOps ops, LlamaBlock block, Tensor x, Tensor positions) {
        x.zeroGrad();
        for (Tensor parameter : block.parameters()) {
            parameter.zeroGrad();
        }
        try (TensorScope step = ops.scope()) {
            Tensor loss = ops.mean(block.forward(x, positions));
            loss.backward();
            return loss.item();
        }
    }
}
