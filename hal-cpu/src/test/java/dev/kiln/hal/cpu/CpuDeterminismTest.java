package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.HostData.download;
import static dev.kiln.hal.cpu.HostData.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Results do not depend on the thread count: gemm and attention promise bit-identical outputs
 * however their work is split, and the kernels that sum partials (norm weight gradients,
 * sumOfSquares, the embedding scatter-add) split by size only. Shapes are large enough that two
 * threads really share the work.
 */
class CpuDeterminismTest {

    @Test
    void oneAndTwoThreadsGiveTheSameBits() {
        Map<String, float[]> one;
        Map<String, float[]> two;
        try (CpuDevice device = new CpuDevice(1, 1L << 30)) {
            one = run(device);
        }
        try (CpuDevice device = new CpuDevice(2, 1L << 30)) {
            two = run(device);
        }
        assertEquals(one.keySet(), two.keySet());
        for (String output : one.keySet()) {
            float[] a = one.get(output);
            float[] b = two.get(output);
            boolean somethingComputed = false;
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                    fail(output + "[" + i + "]: " + a[i] + " on one thread, " + b[i] + " on two");
                }
                somethingComputed |= a[i] != 0 && Float.isFinite(a[i]);
            }
            assertTrue(somethingComputed, output + " holds results");
        }
    }

    /** Every kernel that splits its work, on the same seeded inputs; the outputs by name. */
    private static Map<String, float[]> run(CpuDevice device) {
        Random random = new Random(2025);
        Kernels kernels = device.kernels();
        Map<String, float[]> results = new LinkedHashMap<>();

        Gemm gemm = Gemm.of(false, true, 130, 200, 257);
        DeviceBuffer a = input(device, random, 130 * 257);
        DeviceBuffer b = input(device, random, 200 * 257);
        DeviceBuffer c = device.allocate(DType.F32, 130 * 200);
        kernels.gemm(gemm, Slice.of(a), Slice.of(b), Slice.of(c));
        results.put("gemm C", download(device, c));
        DeviceBuffer weights = HostData.upload(device, DType.BF16, uniform(random, 200 * 257, -1, 1));
        kernels.gemm(gemm, Slice.of(a), Slice.of(weights), Slice.of(c));
        results.put("gemm C (BF16 B)", download(device, c));

        AttentionShape shape = AttentionShape.causalSelf(2, 96, 4, 2, 32);
        DeviceBuffer q = input(device, random, (int) shape.queryElements());
        DeviceBuffer k = input(device, random, (int) shape.keyElements());
        DeviceBuffer v = input(device, random, (int) shape.keyElements());
        DeviceBuffer out = device.allocate(DType.F32, shape.queryElements());
        DeviceBuffer lse = device.allocate(DType.F32, shape.lseElements());
        kernels.attention(shape, Slice.of(q), Slice.of(k), Slice.of(v), null, Slice.of(out), Slice.of(lse));
        results.put("attention out", download(device, out));
        DeviceBuffer dOut = input(device, random, (int) shape.queryElements());
        DeviceBuffer dq = device.allocate(DType.F32, shape.queryElements());
        DeviceBuffer dk = device.allocate(DType.F32, shape.keyElements());
        DeviceBuffer dv = device.allocate(DType.F32, shape.keyElements());
        kernels.attentionBackward(shape, Slice.of(q), Slice.of(k), Slice.of(v), null, Slice.of(out), Slice.of(lse),
                Slice.of(dOut), Slice.of(dq), Slice.of(dk), Slice.of(dv));
        results.put("attention dq", download(device, dq));
        results.put("attention dk", download(device, dk));
        results.put("attention dv", download(device, dv));

        int rows = 2048;
        int dim = 64;
        DeviceBuffer x = input(device, random, rows * dim);
        DeviceBuffer weight = input(device, random, dim);
        DeviceBuffer normOut = device.allocate(DType.F32, (long) rows * dim);
        DeviceBuffer mean = device.allocate(DType.F32, rows);
        DeviceBuffer rstd = device.allocate(DType.F32, rows);
        DeviceBuffer dNorm = input(device, random, rows * dim);
        DeviceBuffer dx = device.allocate(DType.F32, (long) rows * dim);
        DeviceBuffer dWeight = input(device, random, dim);
        DeviceBuffer dBias = input(device, random, dim);
        kernels.rmsNorm(Slice.of(x), Slice.of(weight), Slice.of(normOut), Slice.of(rstd), rows, dim, 1e-5f);
        kernels.rmsNormBackward(Slice.of(x), Slice.of(weight), Slice.of(rstd), Slice.of(dNorm), Slice.of(dx),
                Slice.of(dWeight), rows, dim);
        results.put("rmsNormBackward dWeight", download(device, dWeight));
        kernels.layerNorm(Slice.of(x), Slice.of(weight), null, Slice.of(normOut), Slice.of(mean), Slice.of(rstd),
                rows, dim, 1e-5f);
        kernels.layerNormBackward(Slice.of(x), Slice.of(weight), Slice.of(mean), Slice.of(rstd), Slice.of(dNorm),
                Slice.of(dx), Slice.of(dWeight), Slice.of(dBias), rows, dim);
        results.put("layerNormBackward dWeight", download(device, dWeight));
        results.put("layerNormBackward dBias", download(device, dBias));

        int n = 300_001;
        DeviceBuffer squares = input(device, random, n);
        double sum = kernels.sumOfSquares(Slice.of(squares), n);
        results.put("sumOfSquares (a double as two floats)", new float[] {(float) sum, (float) (sum - (float) sum)});

        int count = 700;
        int[] ids = new int[count];
        for (int t = 0; t < count; t++) {
            ids[t] = random.nextInt(37);
        }
        DeviceBuffer dEmbedding = input(device, random, count * dim);
        DeviceBuffer dTable = input(device, random, 37 * dim);
        kernels.embeddingBackward(Slice.of(HostData.uploadInts(device, ids)), Slice.of(dEmbedding), Slice.of(dTable),
                count, dim, 37);
        results.put("embeddingBackward dTable", download(device, dTable));
        return results;
    }

    private static DeviceBuffer input(CpuDevice device, Random random, int n) {
        return HostData.upload(device, DType.F32, uniform(random, n, -1, 1));
    }
}
