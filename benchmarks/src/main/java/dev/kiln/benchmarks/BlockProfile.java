package dev.kiln.benchmarks;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.cpu.CpuDevice;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;

/**
 * Where a forward and backward pass of {@link LlamaBlock} spends its time: the step of
 * {@link LlamaBlockBenchmark} on a {@link ProfilingDevice}, which times every kernel call. Prints,
 * per step, each kernel (GEMMs by transposes and shape) with its time and share, the sum over
 * kernels, and the rest: the engine's own work between kernel calls, and garbage collection.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xmx4g -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.BlockProfile 2048/16/4/5632 2 [seq] [warm-up seconds] [steps]
 * }</pre>
 *
 * The timing wrapper costs about a microsecond per kernel call, some hundred calls a step.
 */
public final class BlockProfile {

    private BlockProfile() {}

    public static void main(String[] args) {
        String config = args.length > 0 ? args[0] : "2048/16/4/5632";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int seq = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        double warmupSeconds = args.length > 3 ? Double.parseDouble(args[3]) : 20;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 20;

        try (CpuDevice cpu = new CpuDevice(threads)) {
            ProfilingDevice device = new ProfilingDevice(cpu);
            TensorOps ops = new TensorEngine().on(device);
            LlamaBlock.Config sizes = LlamaBlock.Config.parse(config);
            LlamaBlock block = new LlamaBlock(ops, sizes, 42);
            Tensor x = LlamaBlockBenchmark.input(ops, sizes, 1, seq);
            Tensor positions = LlamaBlockBenchmark.positions(ops, 1, seq);

            long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < warmupEnd) {
                LlamaBlockBenchmark.step(ops, block, x, positions);
            }
            device.recording = true;
            long gcBefore = gcMillis();
            long[] stepNanos = new long[steps];
            for (int i = 0; i < steps; i++) {
                long start = System.nanoTime();
                LlamaBlockBenchmark.step(ops, block, x, positions);
                stepNanos[i] = System.nanoTime() - start;
            }
            double gcMs = (double) (gcMillis() - gcBefore) / steps;
            report(config, seq, threads, sizes, device, stepNanos, gcMs);
        }
    }

    private static void report(String config, int seq, int threads, LlamaBlock.Config sizes,
            ProfilingDevice device, long[] stepNanos, double gcMs) {
        int steps = stepNanos.length;
        double meanMs = Arrays.stream(stepNanos).average().orElseThrow() / 1e6;
        double bestMs = Arrays.stream(stepNanos).min().orElseThrow() / 1e6;
        System.out.printf("Llama block %s, seq %d, %d threads: %d steps, best %.1f ms, mean %.1f ms "
                        + "(%.0f tokens/s, %.1f GFLOP/s at the mean)%n",
                config, seq, threads, steps, bestMs, meanMs, seq / meanMs * 1e3,
                sizes.trainingFlops(1, seq) / meanMs / 1e6);
        System.out.printf("%-44s %6s %9s %6s %8s%n", "per step (mean)", "calls", "ms", "%", "GFLOP/s");
        double kernelMs = 0;
        double gemmMs = 0;
        double gemmFlops = 0;
        for (Map.Entry<String, ProfilingDevice.Stat> entry : device.byTime()) {
            ProfilingDevice.Stat stat = entry.getValue();
            double ms = stat.nanos / 1e6 / steps;
            kernelMs += ms;
            if (entry.getKey().startsWith("gemm")) {
                gemmMs += ms;
                gemmFlops += stat.flops / steps;
            }
            System.out.printf("%-44s %6.0f %9.2f %6.1f %8s%n", entry.getKey(), (double) stat.calls / steps,
                    ms, 100 * ms / meanMs, stat.flops > 0 ? String.format("%.1f", stat.flops / stat.nanos) : "");
        }
        System.out.printf("%-44s %6s %9.2f %6.1f %8.1f%n", "all GEMMs", "", gemmMs, 100 * gemmMs / meanMs,
                gemmFlops / gemmMs / 1e6);
        System.out.printf("%-44s %6s %9.2f %6.1f%n", "all kernels, allocations and copies", "", kernelMs,
                100 * kernelMs / meanMs);
        System.out.printf("%-44s %6s %9.2f %6.1f%n", "the rest (engine between calls, GC)", "",
                meanMs - kernelMs, 100 * (meanMs - kernelMs) / meanMs);
        System.out.printf("%-44s %6s %9.2f %6.1f%n", "  of which GC (collectors' time)", "", gcMs, 100 * gcMs / meanMs);
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
