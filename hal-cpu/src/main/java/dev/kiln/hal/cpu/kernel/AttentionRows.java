package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.AttentionMath.L;
import static dev.kiln.hal.cpu.kernel.AttentionMath.SPECIES;
import static jdk.incubator.vector.VectorOperators.FMA;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The products of a single query row against a tile of keys, vectorized along the head
 * dimension: the decoding path, where a tile of queries in lanes would leave most lanes empty.
 * The query row and the output accumulator are padded with zeros to whole vectors; rows of K
 * and V are read in place, their last vector masked when the head dimension is not a multiple
 * of L.
 */
final class AttentionRows {

    private AttentionRows() {}

    /**
     * {@code out[j] = sum_p query[queryAt + p] * k[j][p]} for {@code j < rows}, where row j of k
     * starts at {@code kAt + j * kStride}. Four rows at a time, so four FMA chains run side by
     * side; each leaves L partial sums in {@code partials}, added up at the end.
     */
    static void dotRows(int rows, int depth, float[] query, int queryAt, float[] k, int kAt, int kStride,
                        float[] partials, float[] out) {
        int full = SPECIES.loopBound(depth);
        VectorMask<Float> tail = SPECIES.indexInRange(full, depth);
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            int k0 = kAt + j * kStride, k1 = k0 + kStride, k2 = k1 + kStride, k3 = k2 + kStride;
            FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
            for (int p = 0; p < full; p += L) {
                FloatVector qp = FloatVector.fromArray(SPECIES, query, queryAt + p);
                c0 = FloatVector.fromArray(SPECIES, k, k0 + p).fma(qp, c0);
                c1 = FloatVector.fromArray(SPECIES, k, k1 + p).fma(qp, c1);
                c2 = FloatVector.fromArray(SPECIES, k, k2 + p).fma(qp, c2);
                c3 = FloatVector.fromArray(SPECIES, k, k3 + p).fma(qp, c3);
            }
            if (full < depth) {
                FloatVector qp = FloatVector.fromArray(SPECIES, query, queryAt + full);
                c0 = FloatVector.fromArray(SPECIES, k, k0 + full, tail).fma(qp, c0);
                c1 = FloatVector.fromArray(SPECIES, k, k1 + full, tail).fma(qp, c1);
                c2 = FloatVector.fromArray(SPECIES, k, k2 + full, tail).fma(qp, c2);
                c3 = FloatVector.fromArray(SPECIES, k, k3 + full, tail).fma(qp, c3);
            }
            c0.intoArray(partials, j * L);
            c1.intoArray(partials, (j + 1) * L);
            c2.intoArray(partials, (j + 2) * L);
            c3.intoArray(partials, (j + 3) * L);
        }
        for (; j < rows; j++) {
            int k0 = kAt + j * kStride;
            FloatVector c0 = FloatVector.zero(SPECIES);
            for (int p = 0; p < full; p += L) {
                FloatVector qp = FloatVector.fromArray(SPECIES, query, queryAt + p);
                c0 = FloatVector.fromArray(SPECIES, k, k0 + p).fma(qp, c0);
            }
            if (full < depth) {
                c0 = FloatVector.fromArray(SPECIES, k, k0 + full, tail)
                        .fma(FloatVector.fromArray(SPECIES, query, queryAt + full), c0);
            }
            c0.intoArray(partials, j * L);
        }
        AttentionMath.sumLanesOfRows(partials, rows, out, 0);
    }

    /**
     * {@code acc[accAt + p] = acc[accAt + p] * rescale + sum_j w[j] * v[j][p]}, summing over
     * {@code j < rows} in order: the output row's O += P V with the online-softmax rescale.
     *
     * <p>Four rows of v at a time, each read front to back once. Going column block by column
     * block through all rows instead would revisit every row, and when the row stride is a
     * multiple of 4 KiB, as it is for most model shapes, the rows all fall in the same L1 set
     * and evict each other: several times slower.
     */
    static void accumulate(int rows, int depth, float[] w, float[] v, int vAt, int vStride, float rescale,
                           float[] acc, int accAt) {
        int full = SPECIES.loopBound(depth);
        VectorMask<Float> tail = SPECIES.indexInRange(full, depth);
        for (int p = 0; p < depth; p += L) {
            FloatVector.fromArray(SPECIES, acc, accAt + p).mul(rescale).intoArray(acc, accAt + p);
        }
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            int v0 = vAt + j * vStride, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride;
            float w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
            for (int p = 0; p < full; p += L) {
                FloatVector c = FloatVector.fromArray(SPECIES, acc, accAt + p);
                c = FloatVector.fromArray(SPECIES, v, v0 + p).lanewise(FMA, w0, c);
                c = FloatVector.fromArray(SPECIES, v, v1 + p).lanewise(FMA, w1, c);
                c = FloatVector.fromArray(SPECIES, v, v2 + p).lanewise(FMA, w2, c);
                c = FloatVector.fromArray(SPECIES, v, v3 + p).lanewise(FMA, w3, c);
                c.intoArray(acc, accAt + p);
            }
            if (full < depth) {
                FloatVector c = FloatVector.fromArray(SPECIES, acc, accAt + full);
                c = FloatVector.fromArray(SPECIES, v, v0 + full, tail).lanewise(FMA, w0, c);
                c = FloatVector.fromArray(SPECIES, v, v1 + full, tail).lanewise(FMA, w1, c);
                c = FloatVector.fromArray(SPECIES, v, v2 + full, tail).lanewise(FMA, w2, c);
                c = FloatVector.fromArray(SPECIES, v, v3 + full, tail).lanewise(FMA, w3, c);
                c.intoArray(acc, accAt + full);
            }
        }
        for (; j < rows; j++) {
            int v0 = vAt + j * vStride;
            for (int p = 0; p < depth; p += L) {
                VectorMask<Float> inRow = SPECIES.indexInRange(p, depth);
                FloatVector.fromArray(SPECIES, v, v0 + p, inRow)
                        .lanewise(FMA, w[j], FloatVector.fromArray(SPECIES, acc, accAt + p))
                        .intoArray(acc, accAt + p);
            }
        }
    }

    // ---- a KV cache kept in bfloat16: the same sums, each vector of K or V widened as it is loaded ----

    /** {@link #dotRows} over rows of bfloat16s: the products of the widened values, summed as there. */
    static void dotRows(int rows, int depth, float[] query, int queryAt, short[] k, int kAt, int kStride,
                        float[] partials, float[] out) {
        int full = SPECIES.loopBound(depth);
        VectorMask<Short> tail = Conversions.SHORTS.indexInRange(full, depth);
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            int k0 = kAt + j * kStride, k1 = k0 + kStride, k2 = k1 + kStride, k3 = k2 + kStride;
            FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0;
            for (int p = 0; p < full; p += L) {
                FloatVector qp = FloatVector.fromArray(SPECIES, query, queryAt + p);
                c0 = Conversions.bf16Vector(k, k0 + p).fma(qp, c0);
                c1 = Conversions.bf16Vector(k, k1 + p).fma(qp, c1);
                c2 = Conversions.bf16Vector(k, k2 + p).fma(qp, c2);
                c3 = Conversions.bf16Vector(k, k3 + p).fma(qp, c3);
            }
            if (full < depth) {
                FloatVector qp = FloatVector.fromArray(SPECIES, query, queryAt + full);
                c0 = Conversions.bf16Vector(k, k0 + full, tail).fma(qp, c0);
                c1 = Conversions.bf16Vector(k, k1 + full, tail).fma(qp, c1);
                c2 = Conversions.bf16Vector(k, k2 + full, tail).fma(qp, c2);
                c3 = Conversions.bf16Vector(k, k3 + full, tail).fma(qp, c3);
            }
            c0.intoArray(partials, j * L);
            c1.intoArray(partials, (j + 1) * L);
            c2.intoArray(partials, (j + 2) * L);
            c3.intoArray(partials, (j + 3) * L);
        }
        for (; j < rows; j++) {
            int k0 = kAt + j * kStride;
            FloatVector c0 = FloatVector.zero(SPECIES);
            for (int p = 0; p < full; p += L) {
                c0 = Conversions.bf16Vector(k, k0 + p).fma(FloatVector.fromArray(SPECIES, query, queryAt + p), c0);
            }
            if (full < depth) {
                c0 = Conversions.bf16Vector(k, k0 + full, tail).fma(FloatVector.fromArray(SPECIES, query, queryAt + full), c0);
            }
            c0.intoArray(partials, j * L);
        }
        AttentionMath.sumLanesOfRows(partials, rows, out, 0);
    }

    /** {@link #accumulate} over rows of bfloat16s: the products of the widened values, summed as there. */
    static void accumulate(int rows, int depth, float[] w, short[] v, int vAt, int vStride, float rescale,
                           float[] acc, int accAt) {
        int full = SPECIES.loopBound(depth);
        VectorMask<Short> tail = Conversions.SHORTS.indexInRange(full, depth);
        for (int p = 0; p < depth; p += L) {
            FloatVector.fromArray(SPECIES, acc, accAt + p).mul(rescale).intoArray(acc, accAt + p);
        }
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            int v0 = vAt + j * vStride, v1 = v0 + vStride, v2 = v1 + vStride, v3 = v2 + vStride;
            float w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
            for (int p = 0; p < full; p += L) {
                FloatVector c = FloatVector.fromArray(SPECIES, acc, accAt + p);
                c = Conversions.bf16Vector(v, v0 + p).lanewise(FMA, w0, c);
                c = Conversions.bf16Vector(v, v1 + p).lanewise(FMA, w1, c);
                c = Conversions.bf16Vector(v, v2 + p).lanewise(FMA, w2, c);
                c = Conversions.bf16Vector(v, v3 + p).lanewise(FMA, w3, c);
                c.intoArray(acc, accAt + p);
            }
            if (full < depth) {
                FloatVector c = FloatVector.fromArray(SPECIES, acc, accAt + full);
                c = Conversions.bf16Vector(v, v0 + full, tail).lanewise(FMA, w0, c);
                c = Conversions.bf16Vector(v, v1 + full, tail).lanewise(FMA, w1, c);
                c = Conversions.bf16Vector(v, v2 + full, tail).lanewise(FMA, w2, c);
                c = Conversions.bf16Vector(v, v3 + full, tail).lanewise(FMA, w3, c);
                c.intoArray(acc, accAt + full);
            }
        }
        for (; j < rows; j++) {
            int v0 = vAt + j * vStride;
            for (int p = 0; p < depth; p += L) {
                VectorMask<Short> inRow = Conversions.SHORTS.indexInRange(p, depth);
                Conversions.bf16Vector(v, v0 + p, inRow)
                        .lanewise(FMA, w[j], FloatVector.fromArray(SPECIES, acc, accAt + p))
                        .intoArray(acc, accAt + p);
            }
        }
    }
}
