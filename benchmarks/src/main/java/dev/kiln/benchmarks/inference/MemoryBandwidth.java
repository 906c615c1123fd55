package dev.kiln.benchmarks.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's memory read bandwidth, the bound of batch-1 decode: THREADS threads each sum
 * their contiguous share of a 1 GiB float array (32 times the L3) with the Vector API,
 * BANDWIDTH_PASSES times (10) after 3 unmeasured passes (the first ones run before the JIT has
 * compiled the loop); the seconds of each pass go to OUT.json for inference_report.py, which
 * takes the best pass.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xms2g -Xmx2g -cp target/benchmarks.jar \
 *     dev.kiln.benchmarks.inference.MemoryBandwidth 2 out.json
 * }</pre>
 *
 * Four independent accumulators keep the adds off the critical path, so a pass goes as fast as
 * the loads arrive.
 */
public final class MemoryBandwidth {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int FLOATS = 1 << 28; // 1 GiB
    private static final int WARMUP_PASSES = 3;

    private MemoryBandwidth() {}

    public static void main(String[] args) throws InterruptedException, ExecutionException {
        if (args.length != 2) {
            System.err.println("usage: MemoryBandwidth THREADS OUT.json");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[0]);
        int passes = Integer.parseInt(System.getenv().getOrDefault("BANDWIDTH_PASSES", "10"));
        float[] data = new float[FLOATS];
        Arrays.fill(data, 1f); // every page touched before timing
        List<Double> seconds = new ArrayList<>();
        float check = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int pass = -WARMUP_PASSES; pass < passes; pass++) {
                long start = System.nanoTime();
                List<Future<Float>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int from = (int) ((long) FLOATS * t / threads);
                    int to = (int) ((long) FLOATS * (t + 1) / threads);
                    parts.add(pool.submit(() -> sum(data, from, to)));
                }
                float total = 0;
                for (Future<Float> part : parts) {
                    total += part.get();
                }
                if (pass >= 0) {
                    seconds.add((System.nanoTime() - start) / 1e9);
                }
                check = total;
            }
        }
        if (Math.abs(check - FLOATS) > 1e-6 * FLOATS) { // the loop really read it all
            throw new AssertionError("summed " + check + ", expected " + FLOATS);
        }
        long bytes = (long) FLOATS * Float.BYTES;
        write(Path.of(args[1]), threads, bytes, seconds);
        double best = seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        System.err.printf("Java Vector API sum of 1 GiB on %d threads: best %.1f GB/s%n", threads, bytes / best / 1e9);
    }

    /** The sum of {@code data[from, to)}. */
    static float sum(float[] data, int from, int to) {
        int step = SPECIES.length() * 4;
        FloatVector a = FloatVector.zero(SPECIES);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        int i = from;
        for (; i <= to - step; i += step) {
            a = a.add(FloatVector.fromArray(SPECIES, data, i));
            b = b.add(FloatVector.fromArray(SPECIES, data, i + SPECIES.length()));
            c = c.add(FloatVector.fromArray(SPECIES, data, i + 2 * SPECIES.length()));
            d = d.add(FloatVector.fromArray(SPECIES, data, i + 3 * SPECIES.length()));
        }
        float total = a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            total += data[i];
        }
        return total;
    }

    private static void write(Path file, int threads, long bytes, List<Double> seconds) {
        String json = "{\"bandwidth\": \"Java Vector API sum\", \"threads\": " + threads + ", \"bytes\": " + bytes
                + ", \"seconds\": " + InferenceResult.Json.list(seconds) + "}\n";
        try {
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
