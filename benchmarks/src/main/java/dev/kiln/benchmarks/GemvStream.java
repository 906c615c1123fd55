package dev.kiln.benchmarks;

import dev.kiln.hal.cpu.kernel.Parallelism;
import dev.kiln.hal.cpu.kernel.Sgemm;
import java.util.Arrays;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decoding's GEMV from memory, as a token sees it: COUNT distinct weights of N x K (together far
 * larger than the caches) each multiplied once by one row, {@code y = x Wᵀ}, through hal-cpu's
 * {@link Sgemm} on THREADS threads, pass after pass; and in the same JVM, the same weights read by
 * a plain Vector API sum split in halves over the threads, the bandwidth the GEMV could reach.
 * Prints GB/s of weights read per pass for both. Run it with {@code -Dkiln.cpu.spinMicros=0} to
 * see the hand-off of parked helpers (docs/PERFORMANCE.md, "The hand-off, after all").
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xms6g -Xmx6g -XX:+UseTransparentHugePages \
 *     -cp target/benchmarks.jar dev.kiln.benchmarks.GemvStream 2560 768 400 2 bf16 [passes]
 * }</pre>
 */
public final class GemvStream {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;

    private GemvStream() {}

    public static void main(String[] args) {
        if (args.length < 5) {
            System.err.println("usage: GemvStream N K COUNT THREADS f32|bf16 [PASSES]");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        int k = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        boolean bf16 = switch (args[4]) {
            case "bf16" -> true;
            case "f32" -> false;
            default -> throw new IllegalArgumentException("dtype is f32 or bf16: " + args[4]);
        };
        int passes = args.length > 5 ? Integer.parseInt(args[5]) : 6;
        SplittableRandom random = new SplittableRandom(1);
        float[][] f32 = bf16 ? null : new float[count][];
        short[][] halves = bf16 ? new short[count][] : null;
        for (int w = 0; w < count; w++) {
            float[] weight = new float[n * k];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (float) random.nextDouble(-1, 1);
            }
            if (bf16) {
                halves[w] = new short[weight.length];
                for (int i = 0; i < weight.length; i++) {
                    halves[w][i] = (short) (Float.floatToRawIntBits(weight[i]) >>> 16);
                }
            } else {
                f32[w] = weight;
            }
        }
        float[] x = new float[k];
        Arrays.fill(x, 0.5f);
        float[] y = new float[n];
        double bytes = (double) count * n * k * (bf16 ? 2 : 4);
        System.out.printf("%d weights of %d x %d %s (%.0f MB), %d threads, spin %s µs%n", count, n, k, args[4],
                bytes / 1e6, threads, System.getProperty("kiln.cpu.spinMicros", "200"));
        try (Parallelism parallelism = Parallelism.fixed(threads)) {
            float check = 0;
            for (int pass = 0; pass < passes; pass++) {
                long start = System.nanoTime();
                for (int w = 0; w < count; w++) {
                    if (bf16) {
                        Sgemm.multiply(false, true, 1, n, k, 1f, x, 0, k, halves[w], 0, k, 0f, y, 0, n, parallelism);
                    } else {
                        Sgemm.multiply(false, true, 1, n, k, 1f, x, 0, k, f32[w], 0, k, 0f, y, 0, n, parallelism);
                    }
                    check += y[w % n];
                }
                long gemv = System.nanoTime() - start;
                start = System.nanoTime();
                for (int w = 0; w < count; w++) {
                    check += bf16 ? sumHalves(parallelism, halves[w]) : sum(parallelism, f32[w]);
                }
                long read = System.nanoTime() - start;
                System.out.printf("pass %d: GEMV %.1f GB/s, read %.1f GB/s%n", pass, bytes / gemv, bytes / read);
            }
            if (Float.isNaN(check)) { // keeps the results live
                System.out.println(check);
            }
        }
    }

    /** The sum of a weight, its halves on the threads (one contiguous stream each). */
    private static float sum(Parallelism parallelism, float[] weight) {
        float[] parts = new float[parallelism.threads()];
        int share = weight.length / parts.length;
        parallelism.forEach(parts.length, t -> {
            FloatVector acc = FloatVector.zero(FLOATS);
            int end = t == parts.length - 1 ? weight.length : (t + 1) * share;
            int i = t * share;
            for (; i + FLOATS.length() <= end; i += FLOATS.length()) {
                acc = acc.add(FloatVector.fromArray(FLOATS, weight, i));
            }
            parts[t] = acc.reduceLanes(VectorOperators.ADD);
        });
        float total = 0;
        for (float part : parts) {
            total += part;
        }
        return total;
    }

    /** As {@link #sum}, for BF16 bits: adding the shorts reads the same bytes without widening. */
    private static float sumHalves(Parallelism parallelism, short[] weight) {
        int[] parts = new int[parallelism.threads()];
        int share = weight.length / parts.length;
        parallelism.forEach(parts.length, t -> {
            ShortVector acc = ShortVector.zero(SHORTS);
            int lanes = acc.length();
            int end = t == parts.length - 1 ? weight.length : (t + 1) * share;
            int i = t * share;
            for (; i + lanes <= end; i += lanes) {
                acc = acc.add(ShortVector.fromArray(SHORTS, weight, i));
            }
            parts[t] = acc.reduceLanes(VectorOperators.ADD);
        });
        int total = 0;
        for (int part : parts) {
            total += part;
        }
        return total;
    }
}
