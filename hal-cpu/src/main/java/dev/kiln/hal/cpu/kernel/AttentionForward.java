package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.AttentionMath.L;
import static dev.kiln.hal.cpu.kernel.AttentionMath.SPECIES;
import static dev.kiln.hal.cpu.kernel.AttentionScratch.KEY_TILE;
import static jdk.incubator.vector.VectorOperators.FMA;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The forward pass for a range of (batch, head) pairs: queries in tiles of L, each tile walking
 * the keys a tile at a time with an online softmax (running max and sum per query, the output
 * rescaled whenever the max grows), so no score matrix larger than one key tile exists.
 *
 * <p>A tile with at least L/2 queries runs with the queries in lanes ({@link AttentionTiles});
 * a smaller one, typically a decoding step, runs one query row at a time ({@link AttentionRows}),
 * which keeps its lanes full.
 */
final class AttentionForward {

    private final AttentionScratch s;

    // One call's operands, bound for its duration.
    private AttentionSpec spec;
    private float[] q, k, v, mask, out, lse;
    // Or, for a KV cache kept in bfloat16 (single query rows only), its keys and values.
    private short[] kBf16, vBf16;
    private int qOffset, kOffset, vOffset, maskOffset, outOffset, lseOffset;

    // The current batch entry, and where its mask starts.
    private int batch, maskAt;
    // The current (batch, head) pair: where its first query, output row, LSE, key and value are.
    private int qAt, outAt, lseAt, kAt, vAt;

    AttentionForward(AttentionScratch scratch) {
        this.s = scratch;
    }

    /**
     * Pairs [from, to) over a KV cache kept in bfloat16, whose rows are widened in registers as
     * they are read. Only for calls whose queries all run as single rows (fewer than L/2).
     */
    void runOverBf16Cache(AttentionSpec spec, float[] q, int qOffset, short[] k, int kOffset, short[] v,
                          int vOffset, float[] mask, int maskOffset, float[] out, int outOffset, float[] lse,
                          int lseOffset, int from, int to) {
        this.kBf16 = k;
        this.vBf16 = v;
        try {
            run(spec, q, qOffset, null, kOffset, null, vOffset, mask, maskOffset, out, outOffset, lse, lseOffset,
                    from, to);
        } finally {
            this.kBf16 = this.vBf16 = null;
        }
    }

    /** Runs pairs [from, to); the arrays are released when it returns. */
    void run(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset, float[] v, int vOffset,
             float[] mask, int maskOffset, float[] out, int outOffset, float[] lse, int lseOffset,
             int from, int to) {
        this.spec = spec;
        this.q = q;
        this.k = k;
        this.v = v;
        this.mask = mask;
        this.out = out;
        this.lse = lse;
        this.qOffset = qOffset;
        this.kOffset = kOffset;
        this.vOffset = vOffset;
        this.maskOffset = maskOffset;
        this.outOffset = outOffset;
        this.lseOffset = lseOffset;
        s.reserve(spec.headDim(), Math.min(spec.numHeads(), to - from));
        try {
            // The pairs b * numHeads + h of one batch entry are consecutive.
            for (int pair = from; pair < to; ) {
                int batchEnd = Math.min(to, (pair / spec.numHeads() + 1) * spec.numHeads());
                pairsOfOneBatchEntry(pair, batchEnd);
                pair = batchEnd;
            }
        } finally {
            this.q = this.k = this.v = this.mask = this.out = this.lse = null;
        }
    }

    /**
     * Pairs [from, to) of one batch entry. Tiles of queries in lanes run head by head. Single
     * query rows run for all the heads at once, key tile by key tile, so that the heads sharing
     * a kv head find its K and V tile still in cache: decoding is limited by memory traffic, and
     * this fetches the KV cache once per kv head instead of once per query head. Either way
     * each head's arithmetic is exactly what it would be alone, so results do not depend on how
     * the pairs are split.
     */
    private void pairsOfOneBatchEntry(int from, int to) {
        batch = from / spec.numHeads();
        maskAt = maskOffset + batch * spec.seqQ() * spec.seqK();
        for (int first = 0; first < spec.seqQ(); first += L) {
            int queries = Math.min(L, spec.seqQ() - first);
            if (2 * queries >= L) {
                for (int pair = from; pair < to; pair++) {
                    selectPair(pair);
                    queriesInLanes(first, queries);
                }
            } else {
                for (int i = first; i < first + queries; i++) {
                    singleQuery(i, from, to);
                }
            }
        }
    }

    /** Points qAt, outAt, lseAt, kAt and vAt at the pair's head and kv head. */
    private void selectPair(int pair) {
        int head = pair % spec.numHeads();
        int queryAt = (batch * spec.seqQ() * spec.numHeads() + head) * spec.headDim();
        qAt = qOffset + queryAt;
        outAt = outOffset + queryAt;
        lseAt = lseOffset + pair * spec.seqQ();
        int keyAt = (batch * spec.seqK() * spec.numKvHeads() + head / spec.groupSize()) * spec.headDim();
        kAt = kOffset + keyAt;
        vAt = vOffset + keyAt;
    }

    /** Queries [first, first + queries) of the selected pair as one tile, a query per lane. */
    private void queriesInLanes(int first, int queries) {
        int d = spec.headDim();
        int qStride = spec.queryRowStride();
        int kStride = spec.keyRowStride();
        AttentionTiles.packQueries(q, qAt + first * qStride, qStride, queries, d, spec.scale(), s.queriesT);
        Arrays.fill(s.accT, 0, d * L, 0f);
        Arrays.fill(s.laneMax, Float.NEGATIVE_INFINITY);
        Arrays.fill(s.laneSum, 0f);
        int keyEnd = spec.keyEnd(first + queries - 1);
        for (int key = 0; key < keyEnd; key += KEY_TILE) {
            int keys = Math.min(KEY_TILE, keyEnd - key);
            AttentionTiles.rowsDotLanes(keys, d, k, kAt + key * kStride, kStride, s.queriesT, s.scores);
            if (mask != null) {
                AttentionTiles.addMask(mask, maskAt + first * spec.seqK() + key, spec.seqK(), queries, keys,
                        s.scores);
            }
            if (spec.causal()) {
                AttentionTiles.maskFutureKeys(key, keys, spec.queryOffset() + first, s.scores);
            }
            softmaxStep(keys, s);
            AttentionTiles.accumulateLanes(keys, d, v, vAt + key * kStride, kStride, s.scores,
                    s.laneRescale, s.accT);
        }
        finishLanes(first, queries);
    }

    /** Normalizes the output by the running sum; a query that saw no key gets zeros. */
    private void finishLanes(int first, int queries) {
        float[] inverseSum = s.laneRescale;
        for (int i = 0; i < queries; i++) {
            inverseSum[i] = s.laneSum[i] > 0f ? 1f / s.laneSum[i] : 0f;
        }
        int qStride = spec.queryRowStride();
        AttentionTiles.unpackRows(s.accT, inverseSum, queries, spec.headDim(), out, outAt + first * qStride,
                qStride);
        if (lse != null) {
            for (int i = 0; i < queries; i++) {
                lse[lseAt + first + i] = AttentionMath.logSumExp(s.laneMax[i], s.laneSum[i]);
            }
        }
    }

    /**
     * Query i of pairs [from, to), each head on its own, vectorized along the head dimension,
     * all walking the key tiles together.
     */
    private void singleQuery(int i, int from, int to) {
        int heads = to - from;
        int rowLength = s.rowLength;
        for (int h = 0; h < heads; h++) {
            selectPair(from + h);
            loadQueryRow(i, s.rows, h * rowLength);
        }
        Arrays.fill(s.rowAccs, 0, heads * rowLength, 0f);
        Arrays.fill(s.rowMax, 0, heads, Float.NEGATIVE_INFINITY);
        Arrays.fill(s.rowSum, 0, heads, 0f);
        int keyEnd = spec.keyEnd(i);
        for (int key = 0; key < keyEnd; key += KEY_TILE) {
            int keys = Math.min(KEY_TILE, keyEnd - key);
            for (int h = 0; h < heads; h++) {
                selectPair(from + h);
                rowStep(i, key, keys, h, h * rowLength);
            }
        }
        for (int h = 0; h < heads; h++) {
            selectPair(from + h);
            finishRow(i, h, h * rowLength);
        }
    }

    /** The scaled query row, zero-padded to whole vectors. */
    private void loadQueryRow(int i, float[] row, int at) {
        int d = spec.headDim();
        float scale = spec.scale();
        for (int p = 0, from = qAt + i * spec.queryRowStride(); p < d; p++) {
            row[at + p] = scale * q[from + p];
        }
        Arrays.fill(row, at + d, at + s.rowLength, 0f);
    }

    /** One key tile's online-softmax step for row h, query i. */
    private void rowStep(int i, int key, int keys, int h, int rowAt) {
        int d = spec.headDim();
        int kStride = spec.keyRowStride();
        float[] scores = s.scores;
        if (kBf16 == null) {
            AttentionRows.dotRows(keys, d, s.rows, rowAt, k, kAt + key * kStride, kStride, s.rowPartials, scores);
        } else {
            AttentionRows.dotRows(keys, d, s.rows, rowAt, kBf16, kAt + key * kStride, kStride, s.rowPartials, scores);
        }
        if (mask != null) {
            for (int j = 0, from = maskAt + i * spec.seqK() + key; j < keys; j++) {
                scores[j] += mask[from + j];
            }
        }
        // Pad to whole vectors with -inf: exp turns the padding into probability 0.
        int padded = AttentionMath.roundUpToLanes(keys);
        Arrays.fill(scores, keys, padded, Float.NEGATIVE_INFINITY);
        float max = s.rowMax[h];
        float newMax = Math.max(max, tileMax(scores, padded));
        float base = AttentionMath.finiteOrZero(newMax);
        float rescale = AttentionMath.exp(max - base);
        Arrays.fill(s.laneBase, base);
        AttentionMath.expShifted(scores, 0, padded / L, s.laneBase, s.laneTileSum);
        s.rowSum[h] = s.rowSum[h] * rescale + AttentionMath.sumLanes(s.laneTileSum);
        s.rowMax[h] = newMax;
        if (vBf16 == null) {
            AttentionRows.accumulate(keys, d, scores, v, vAt + key * kStride, kStride, rescale, s.rowAccs, rowAt);
        } else {
            AttentionRows.accumulate(keys, d, scores, vBf16, vAt + key * kStride, kStride, rescale, s.rowAccs, rowAt);
        }
    }

    /** Normalizes row h's output by its sum and writes it, and its LSE. */
    private void finishRow(int i, int h, int rowAt) {
        float sum = s.rowSum[h];
        float inverseSum = sum > 0f ? 1f / sum : 0f;
        float[] acc = s.rowAccs;
        for (int p = 0, to = outAt + i * spec.queryRowStride(); p < spec.headDim(); p++) {
            out[to + p] = acc[rowAt + p] * inverseSum;
        }
        if (lse != null) {
            lse[lseAt + i] = AttentionMath.logSumExp(s.rowMax[h], sum);
        }
    }

    /**
     * One key tile's online-softmax step for a tile of queries in lanes: grows each lane's
     * running max, turns the scores into exp(score - max), and leaves in laneRescale the factor
     * that brings the earlier sum and output to the new max.
     */
    private static void softmaxStep(int keys, AttentionScratch s) {
        float[] scores = s.scores;
        FloatVector oldMax = FloatVector.fromArray(SPECIES, s.laneMax, 0);
        FloatVector newMax = oldMax;
        for (int j = 0; j < keys; j++) {
            newMax = newMax.max(FloatVector.fromArray(SPECIES, scores, j * L));
        }
        newMax.blend(0f, newMax.eq(Float.NEGATIVE_INFINITY)).intoArray(s.laneBase, 0);
        newMax.intoArray(s.laneMax, 0);
        oldMax.intoArray(s.laneRescale, 0);
        AttentionMath.expShifted(s.laneRescale, 0, 1, s.laneBase, null);
        AttentionMath.expShifted(scores, 0, keys, s.laneBase, s.laneTileSum);
        FloatVector.fromArray(SPECIES, s.laneSum, 0)
                .lanewise(FMA, FloatVector.fromArray(SPECIES, s.laneRescale, 0),
                        FloatVector.fromArray(SPECIES, s.laneTileSum, 0))
                .intoArray(s.laneSum, 0);
    }

    /** The largest of {@code n} scores, n a multiple of L. */
    private static float tileMax(float[] scores, int n) {
        FloatVector max = FloatVector.fromArray(SPECIES, scores, 0);
        for (int j = L; j < n; j += L) {
            max = max.max(FloatVector.fromArray(SPECIES, scores, j));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }
}
