package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.AttentionMath.L;
import static dev.kiln.hal.cpu.kernel.AttentionMath.LANE_INDEX;
import static dev.kiln.hal.cpu.kernel.AttentionMath.SPECIES;
import static jdk.incubator.vector.VectorOperators.FMA;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The small matrix products of a tile of up to L queries against a tile of keys, with the
 * queries in vector lanes, and the packing and masking around them. K and V are read in place,
 * row by row, so nothing of the key side is ever transposed or copied; only the query side is
 * packed, once per tile of queries, which is amortized over every key.
 *
 * <p>Lanes tiles ("T" arrays) hold element (p, lane) at {@code p * L + lane}. Each product keeps
 * eight independent accumulators in registers, enough to cover the FMA latency on two FMA
 * ports, and sums every element in a fixed order, so results are reproducible.
 */
final class AttentionTiles {

    private AttentionTiles() {}

    /**
     * {@code out[j][lane] = sum_p a[j][p] * bT[p][lane]} for {@code j < rows}, where row j of a
     * starts at {@code aAt + j * aStride}: scores (K against queries) and dP (V against dO).
     */
    static void rowsDotLanes(int rows, int depth, float[] a, int aAt, int aStride, float[] bT, float[] out) {
        int j = 0;
        for (; j + 8 <= rows; j += 8) {
            int a0 = aAt + j * aStride, a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int a4 = a3 + aStride, a5 = a4 + aStride, a6 = a5 + aStride, a7 = a6 + aStride;
            FloatVector c0 = FloatVector.zero(SPECIES), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            for (int p = 0; p < depth; p++) {
                FloatVector b = FloatVector.fromArray(SPECIES, bT, p * L);
                c0 = b.lanewise(FMA, a[a0 + p], c0);
                c1 = b.lanewise(FMA, a[a1 + p], c1);
                c2 = b.lanewise(FMA, a[a2 + p], c2);
                c3 = b.lanewise(FMA, a[a3 + p], c3);
                c4 = b.lanewise(FMA, a[a4 + p], c4);
                c5 = b.lanewise(FMA, a[a5 + p], c5);
                c6 = b.lanewise(FMA, a[a6 + p], c6);
                c7 = b.lanewise(FMA, a[a7 + p], c7);
            }
            c0.intoArray(out, j * L);
            c1.intoArray(out, (j + 1) * L);
            c2.intoArray(out, (j + 2) * L);
            c3.intoArray(out, (j + 3) * L);
            c4.intoArray(out, (j + 4) * L);
            c5.intoArray(out, (j + 5) * L);
            c6.intoArray(out, (j + 6) * L);
            c7.intoArray(out, (j + 7) * L);
        }
        for (; j < rows; j++) {
            int a0 = aAt + j * aStride;
            FloatVector c0 = FloatVector.zero(SPECIES);
            for (int p = 0; p < depth; p++) {
                c0 = FloatVector.fromArray(SPECIES, bT, p * L).lanewise(FMA, a[a0 + p], c0);
            }
            c0.intoArray(out, j * L);
        }
    }

    /**
     * {@code accT[p][lane] = accT[p][lane] * rescale[lane] + sum_j a[j][p] * w[j][lane]} for
     * {@code p < depth}, summing over {@code j < rows} in order: O += P V (with the
     * online-softmax rescale) and dQ += dS K. Eight columns of accT at a time stay in registers
     * while every row of a goes by.
     */
    static void accumulateLanes(int rows, int depth, float[] a, int aAt, int aStride, float[] w,
                                float[] rescale, float[] accT) {
        FloatVector scale = FloatVector.fromArray(SPECIES, rescale, 0);
        int p = 0;
        for (; p + 8 <= depth; p += 8) {
            accumulateEightColumns(rows, p, a, aAt, aStride, w, rescale, accT);
        }
        for (; p < depth; p++) {
            FloatVector c = FloatVector.fromArray(SPECIES, accT, p * L).mul(scale);
            for (int j = 0, at = aAt + p; j < rows; j++, at += aStride) {
                c = FloatVector.fromArray(SPECIES, w, j * L).lanewise(FMA, a[at], c);
            }
            c.intoArray(accT, p * L);
        }
    }

    /** Columns [p, p + 8) of accT. */
    private static void accumulateEightColumns(int rows, int p, float[] a, int aAt, int aStride, float[] w,
                                               float[] rescale, float[] accT) {
        FloatVector scale = FloatVector.fromArray(SPECIES, rescale, 0);
        int t = p * L;
        FloatVector c0 = FloatVector.fromArray(SPECIES, accT, t).mul(scale);
        FloatVector c1 = FloatVector.fromArray(SPECIES, accT, t + L).mul(scale);
        FloatVector c2 = FloatVector.fromArray(SPECIES, accT, t + 2 * L).mul(scale);
        FloatVector c3 = FloatVector.fromArray(SPECIES, accT, t + 3 * L).mul(scale);
        FloatVector c4 = FloatVector.fromArray(SPECIES, accT, t + 4 * L).mul(scale);
        FloatVector c5 = FloatVector.fromArray(SPECIES, accT, t + 5 * L).mul(scale);
        FloatVector c6 = FloatVector.fromArray(SPECIES, accT, t + 6 * L).mul(scale);
        FloatVector c7 = FloatVector.fromArray(SPECIES, accT, t + 7 * L).mul(scale);
        for (int j = 0, at = aAt + p; j < rows; j++, at += aStride) {
            FloatVector weights = FloatVector.fromArray(SPECIES, w, j * L);
            c0 = weights.lanewise(FMA, a[at], c0);
            c1 = weights.lanewise(FMA, a[at + 1], c1);
            c2 = weights.lanewise(FMA, a[at + 2], c2);
            c3 = weights.lanewise(FMA, a[at + 3], c3);
            c4 = weights.lanewise(FMA, a[at + 4], c4);
            c5 = weights.lanewise(FMA, a[at + 5], c5);
            c6 = weights.lanewise(FMA, a[at + 6], c6);
            c7 = weights.lanewise(FMA, a[at + 7], c7);
        }
        c0.intoArray(accT, t);
        c1.intoArray(accT, t + L);
        c2.intoArray(accT, t + 2 * L);
        c3.intoArray(accT, t + 3 * L);
        c4.intoArray(accT, t + 4 * L);
        c5.intoArray(accT, t + 5 * L);
        c6.intoArray(accT, t + 6 * L);
        c7.intoArray(accT, t + 7 * L);
    }

    /**
     * {@code c[j][p] += sum_i w[j][i] * x[i][p]} for {@code j < rows}, {@code p < depth},
     * summing over the {@code lanes} valid query lanes: dV += P^T dO and dK += dS^T Q, straight
     * into the caller's arrays. Vectorized along p, two vectors at a time where they fit; a last
     * vector that runs past depth is masked.
     */
    static void accumulateRows(int rows, int lanes, int depth, float[] w, float[] x, int xAt, int xStride,
                               float[] c, int cAt, int cStride) {
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            int c0 = cAt + j * cStride;
            int p = 0;
            for (; p + 2 * L <= depth; p += 2 * L) {
                accumulateFourRowsTwoVectors(lanes, p, w, j * L, x, xAt, xStride, c, c0, cStride);
            }
            for (; p < depth; p += L) {
                accumulateFourRows(lanes, depth, p, w, j * L, x, xAt, xStride, c, c0, cStride);
            }
        }
        for (; j < rows; j++) {
            int c0 = cAt + j * cStride;
            for (int p = 0; p < depth; p += L) {
                accumulateOneRow(lanes, depth, p, w, j * L, x, xAt, xStride, c, c0);
            }
        }
    }

    /** Columns [p, p + 2L) of four consecutive rows of c: eight accumulators, no masks. */
    private static void accumulateFourRowsTwoVectors(int lanes, int p, float[] w, int wAt,
                                                     float[] x, int xAt, int xStride,
                                                     float[] c, int cAt, int cStride) {
        int r0 = cAt + p, r1 = r0 + cStride, r2 = r1 + cStride, r3 = r2 + cStride;
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, r0), c01 = FloatVector.fromArray(SPECIES, c, r0 + L);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, r1), c11 = FloatVector.fromArray(SPECIES, c, r1 + L);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, r2), c21 = FloatVector.fromArray(SPECIES, c, r2 + L);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, r3), c31 = FloatVector.fromArray(SPECIES, c, r3 + L);
        for (int i = 0, at = xAt + p; i < lanes; i++, at += xStride) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, x, at);
            FloatVector x1 = FloatVector.fromArray(SPECIES, x, at + L);
            float w0 = w[wAt + i], w1 = w[wAt + L + i], w2 = w[wAt + 2 * L + i], w3 = w[wAt + 3 * L + i];
            c00 = x0.lanewise(FMA, w0, c00);
            c01 = x1.lanewise(FMA, w0, c01);
            c10 = x0.lanewise(FMA, w1, c10);
            c11 = x1.lanewise(FMA, w1, c11);
            c20 = x0.lanewise(FMA, w2, c20);
            c21 = x1.lanewise(FMA, w2, c21);
            c30 = x0.lanewise(FMA, w3, c30);
            c31 = x1.lanewise(FMA, w3, c31);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
    }

    /** Columns [p, p + L) of four consecutive rows of c, masked at depth. */
    private static void accumulateFourRows(int lanes, int depth, int p, float[] w, int wAt,
                                           float[] x, int xAt, int xStride, float[] c, int cAt, int cStride) {
        VectorMask<Float> inRow = SPECIES.indexInRange(p, depth);
        int r0 = cAt + p, r1 = r0 + cStride, r2 = r1 + cStride, r3 = r2 + cStride;
        FloatVector c0 = FloatVector.fromArray(SPECIES, c, r0, inRow);
        FloatVector c1 = FloatVector.fromArray(SPECIES, c, r1, inRow);
        FloatVector c2 = FloatVector.fromArray(SPECIES, c, r2, inRow);
        FloatVector c3 = FloatVector.fromArray(SPECIES, c, r3, inRow);
        for (int i = 0, at = xAt + p; i < lanes; i++, at += xStride) {
            FloatVector xi = FloatVector.fromArray(SPECIES, x, at, inRow);
            c0 = xi.lanewise(FMA, w[wAt + i], c0);
            c1 = xi.lanewise(FMA, w[wAt + L + i], c1);
            c2 = xi.lanewise(FMA, w[wAt + 2 * L + i], c2);
            c3 = xi.lanewise(FMA, w[wAt + 3 * L + i], c3);
        }
        c0.intoArray(c, r0, inRow);
        c1.intoArray(c, r1, inRow);
        c2.intoArray(c, r2, inRow);
        c3.intoArray(c, r3, inRow);
    }

    private static void accumulateOneRow(int lanes, int depth, int p, float[] w, int wAt,
                                         float[] x, int xAt, int xStride, float[] c, int cAt) {
        VectorMask<Float> inRow = SPECIES.indexInRange(p, depth);
        FloatVector c0 = FloatVector.fromArray(SPECIES, c, cAt + p, inRow);
        for (int i = 0, at = xAt + p; i < lanes; i++, at += xStride) {
            c0 = FloatVector.fromArray(SPECIES, x, at, inRow).lanewise(FMA, w[wAt + i], c0);
        }
        c0.intoArray(c, cAt + p, inRow);
    }

    /**
     * Packs {@code lanes} query rows, scaled, into a lanes tile {@code [depth][L]}: row i at
     * {@code at + i * stride} becomes lane i. Lanes past the last row are zero.
     */
    static void packQueries(float[] q, int at, int stride, int lanes, int depth, float scale, float[] tileT) {
        if (lanes < L) {
            Arrays.fill(tileT, 0, depth * L, 0f);
        }
        for (int i = 0; i < lanes; i++) {
            for (int p = 0, from = at + i * stride; p < depth; p++) {
                tileT[p * L + i] = scale * q[from + p];
            }
        }
    }

    /** The inverse of packing: lane i of {@code tileT}, times {@code laneScale[i]}, to row i. */
    static void unpackRows(float[] tileT, float[] laneScale, int lanes, int depth, float[] out, int at, int stride) {
        for (int i = 0; i < lanes; i++) {
            float scale = laneScale[i];
            for (int p = 0, to = at + i * stride; p < depth; p++) {
                out[to + p] = tileT[p * L + i] * scale;
            }
        }
    }

    /**
     * Adds the additive mask to a tile of scores: query lane i, key j reads
     * {@code mask[maskAt + i * seqK + j]}, where maskAt points at the tile's first query and key.
     */
    static void addMask(float[] mask, int maskAt, int seqK, int lanes, int keys, float[] scores) {
        for (int i = 0; i < lanes; i++) {
            for (int j = 0, from = maskAt + i * seqK; j < keys; j++) {
                scores[j * L + i] += mask[from + j];
            }
        }
    }

    /**
     * Sets to -inf the scores of keys that lie after their query: tile key j is absolute key
     * {@code firstKey + j}, query lane i sits at absolute position {@code firstQuery + i}.
     */
    static void maskFutureKeys(int firstKey, int keys, int firstQuery, float[] scores) {
        for (int j = Math.max(0, firstQuery + 1 - firstKey); j < keys; j++) {
            // Lanes below this index are queries that come before key j.
            float firstLaneAllowed = firstKey + j - firstQuery;
            FloatVector s = FloatVector.fromArray(SPECIES, scores, j * L);
            s.blend(Float.NEGATIVE_INFINITY, LANE_INDEX.lt(firstLaneAllowed)).intoArray(scores, j * L);
        }
    }

    /** Copies {@code rows} rows of {@code depth} floats, {@code stride} apart, to consecutive rows of dst. */
    static void copyRows(float[] src, int at, int stride, int rows, int depth, float[] dst) {
        for (int j = 0; j < rows; j++) {
            System.arraycopy(src, at + j * stride, dst, j * depth, depth);
        }
    }
}
