package dev.kiln.benchmarks;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.CpuDevice;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Decoding's attention as a token meets it: one query row against a KV cache of POSITIONS per
 * layer, LAYERS layers, each layer's cache evicted from the CPU caches before it is read (by
 * reading a 256 MB array in between, as the weights' GEMVs do), through hal-cpu's
 * {@code Kernels.attention}, with the cache kept in F32 and in BF16. Prints ms per token (all
 * layers) for both, round after round.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xmx6g -XX:+UseTransparentHugePages -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.DecodeAttention 300 [layers 12] [heads 12] [headDim 64] [threads 2] [rounds 20]
 * }</pre>
 */
public final class DecodeAttention {

    private static volatile float sink;

    private DecodeAttention() {}

    public static void main(String[] args) {
        int positions = Integer.parseInt(args[0]);
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int heads = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        int headDim = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        long elements = (long) positions * heads * headDim;
        AttentionShape shape = new AttentionShape(1, 1, positions, positions, heads, heads, headDim,
                (float) (1 / Math.sqrt(headDim)), true, positions - 1);
        float[] evict = new float[64 << 20];
        try (CpuDevice device = new CpuDevice(threads)) {
            Kernels kernels = device.kernels();
            SplittableRandom random = new SplittableRandom(1);
            DeviceBuffer[][] f32 = new DeviceBuffer[layers][2];
            DeviceBuffer[][] bf16 = new DeviceBuffer[layers][2];
            for (int layer = 0; layer < layers; layer++) {
                for (int kv = 0; kv < 2; kv++) {
                    f32[layer][kv] = device.allocate(DType.F32, elements);
                    device.upload(MemorySegment.ofArray(Data.gaussian(random, (int) elements, 1)),
                            Slice.of(f32[layer][kv]));
                    bf16[layer][kv] = device.allocate(DType.BF16, elements);
                    kernels.convert(Slice.of(f32[layer][kv]), Slice.of(bf16[layer][kv]), elements);
                }
            }
            DeviceBuffer q = device.allocate(DType.F32, (long) heads * headDim);
            device.upload(MemorySegment.ofArray(Data.gaussian(random, heads * headDim, 1)), Slice.of(q));
            DeviceBuffer out = device.allocate(DType.F32, (long) heads * headDim);
            DeviceBuffer lse = device.allocate(DType.F32, heads);
            System.out.printf("%d positions, %d layers, %d heads of %d, %d threads: ms per token%n",
                    positions, layers, heads, headDim, threads);
            for (int round = 0; round < rounds; round++) {
                double f32Ms = token(kernels, shape, q, f32, out, lse, evict);
                double bf16Ms = token(kernels, shape, q, bf16, out, lse, evict);
                System.out.printf("round %2d: F32 cache %.3f, BF16 cache %.3f%n", round, f32Ms, bf16Ms);
            }
        }
    }

    /** One token's attention over every layer's cache, each evicted first; the attention's ms. */
    private static double token(Kernels kernels, AttentionShape shape, DeviceBuffer q, DeviceBuffer[][] caches,
                                DeviceBuffer out, DeviceBuffer lse, float[] evict) {
        long nanos = 0;
        for (DeviceBuffer[] cache : caches) {
            float sum = 0;
            for (int i = 0; i < evict.length; i += 16) {
                sum += evict[i];
            }
            sink = sum;
            long start = System.nanoTime();
            kernels.attention(shape, Slice.of(q), Slice.of(cache[0]), Slice.of(cache[1]), null, Slice.of(out),
                    Slice.of(lse));
            nanos += System.nanoTime() - start;
        }
        return nanos / 1e6;
    }
}
