package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.AttentionMath.L;
import static dev.kiln.hal.cpu.kernel.AttentionMath.SPECIES;
import static dev.kiln.hal.cpu.kernel.AttentionScratch.KEY_TILE;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The backward pass for a range of (batch, kv head) pairs. Each pair owns its kv head's slices
 * of dK and dV and the dQ rows of every query head in its group, so pairs can run on different
 * threads.
 *
 * <p>For each query head of the group and each tile of L queries (in lanes), it walks the key
 * tiles and recomputes the probabilities from the saved LSE, P = exp(S - LSE), then
 * dV += P^T dO, dP = dO V^T, dS = P (dP - D) with D = rowsum(dO * O), dQ += scale dS K and
 * dK += scale dS^T Q. dQ of the tile stays in scratch until its last key tile; dK and dV are
 * summed in place in a fixed order: heads, then query tiles, then keys, then queries.
 */
final class AttentionBackward {

    private final AttentionScratch s;

    // One call's operands, bound for its duration.
    private AttentionSpec spec;
    private float[] q, k, v, mask, out, outGrad, lse, qGrad, kGrad, vGrad;
    private int qOffset, kOffset, vOffset, maskOffset, outOffset, outGradOffset, lseOffset;
    private int qGradOffset, kGradOffset, vGradOffset;

    // The current query head: where its first query row (in Q, O, dO, dQ), mask row and LSE are.
    private int queryAt, maskAt, lseAt;
    // The current kv head: where its first key row (in K, V, dK, dV) is, relative to the offsets.
    private int keyAt;

    AttentionBackward(AttentionScratch scratch) {
        this.s = scratch;
    }

    /** Runs (batch, kv head) pairs [from, to); the arrays are released when it returns. */
    void run(AttentionSpec spec, float[] q, int qOffset, float[] k, int kOffset, float[] v, int vOffset,
             float[] mask, int maskOffset, float[] out, int outOffset, float[] outGrad, int outGradOffset,
             float[] lse, int lseOffset, float[] qGrad, int qGradOffset, float[] kGrad, int kGradOffset,
             float[] vGrad, int vGradOffset, int from, int to) {
        this.spec = spec;
        this.q = q;
        this.k = k;
        this.v = v;
        this.mask = mask;
        this.out = out;
        this.outGrad = outGrad;
        this.lse = lse;
        this.qGrad = qGrad;
        this.kGrad = kGrad;
        this.vGrad = vGrad;
        this.qOffset = qOffset;
        this.kOffset = kOffset;
        this.vOffset = vOffset;
        this.maskOffset = maskOffset;
        this.outOffset = outOffset;
        this.outGradOffset = outGradOffset;
        this.lseOffset = lseOffset;
        this.qGradOffset = qGradOffset;
        this.kGradOffset = kGradOffset;
        this.vGradOffset = vGradOffset;
        s.reserve(spec.headDim(), 1);
        try {
            for (int pair = from; pair < to; pair++) {
                pair(pair);
            }
        } finally {
            this.q = this.k = this.v = this.mask = this.out = this.outGrad = this.lse = null;
            this.qGrad = this.kGrad = this.vGrad = null;
        }
    }

    private void pair(int pair) {
        int batch = pair / spec.numKvHeads();
        int kvHead = pair % spec.numKvHeads();
        int d = spec.headDim();
        keyAt = (batch * spec.seqK() * spec.numKvHeads() + kvHead) * d;
        clearKeyRows(kGrad, kGradOffset + keyAt);
        clearKeyRows(vGrad, vGradOffset + keyAt);
        maskAt = maskOffset + batch * spec.seqQ() * spec.seqK();
        int firstHead = kvHead * spec.groupSize();
        for (int head = firstHead; head < firstHead + spec.groupSize(); head++) {
            queryAt = (batch * spec.seqQ() * spec.numHeads() + head) * d;
            lseAt = lseOffset + (batch * spec.numHeads() + head) * spec.seqQ();
            for (int first = 0; first < spec.seqQ(); first += L) {
                queryTile(first, Math.min(L, spec.seqQ() - first));
            }
        }
    }

    private void clearKeyRows(float[] grad, int at) {
        int d = spec.headDim();
        int stride = spec.keyRowStride();
        for (int j = 0; j < spec.seqK(); j++) {
            Arrays.fill(grad, at + j * stride, at + j * stride + d, 0f);
        }
    }

    /** Queries [first, first + queries) of the current head, a query per lane. */
    private void queryTile(int first, int queries) {
        int d = spec.headDim();
        int qStride = spec.queryRowStride();
        int kStride = spec.keyRowStride();
        int rowsAt = queryAt + first * qStride;
        AttentionTiles.packQueries(q, qOffset + rowsAt, qStride, queries, d, spec.scale(), s.queriesT);
        AttentionTiles.packQueries(outGrad, outGradOffset + rowsAt, qStride, queries, d, 1f, s.outGradsT);
        AttentionTiles.copyRows(q, qOffset + rowsAt, qStride, queries, d, s.queryRows);
        AttentionTiles.copyRows(outGrad, outGradOffset + rowsAt, qStride, queries, d, s.outGradRows);
        loadLaneStatistics(first, queries, rowsAt);
        Arrays.fill(s.accT, 0, d * L, 0f);
        int keyEnd = spec.keyEnd(first + queries - 1);
        for (int key = 0; key < keyEnd; key += KEY_TILE) {
            int keys = Math.min(KEY_TILE, keyEnd - key);
            int keyRows = keyAt + key * kStride;
            AttentionTiles.rowsDotLanes(keys, d, k, kOffset + keyRows, kStride, s.queriesT, s.scores);
            if (mask != null) {
                AttentionTiles.addMask(mask, maskAt + first * spec.seqK() + key, spec.seqK(), queries, keys,
                        s.scores);
            }
            if (spec.causal()) {
                AttentionTiles.maskFutureKeys(key, keys, spec.queryOffset() + first, s.scores);
            }
            probabilities(keys);
            AttentionTiles.rowsDotLanes(keys, d, v, vOffset + keyRows, kStride, s.outGradsT, s.scoreGrads);
            scoreGradients(keys);
            AttentionTiles.accumulateRows(keys, queries, d, s.scores, s.outGradRows, 0, d,
                    vGrad, vGradOffset + keyRows, kStride);
            AttentionTiles.accumulateRows(keys, queries, d, s.scoreGrads, s.queryRows, 0, d,
                    kGrad, kGradOffset + keyRows, kStride);
            AttentionTiles.accumulateLanes(keys, d, k, kOffset + keyRows, kStride, s.scoreGrads, s.laneOnes,
                    s.accT);
        }
        AttentionTiles.unpackRows(s.accT, s.laneOnes, queries, d, qGrad, qGradOffset + rowsAt, qStride);
    }

    /**
     * Per query lane: the LSE to subtract and D = rowsum(dO * O). A row that saw no key has
     * LSE -inf; it becomes +inf here so that its probabilities come out 0 rather than NaN, and
     * lanes past the last query get the same, so they contribute nothing.
     */
    private void loadLaneStatistics(int first, int queries, int rowsAt) {
        Arrays.fill(s.laneLse, Float.POSITIVE_INFINITY);
        Arrays.fill(s.laneDelta, 0f);
        for (int i = 0; i < queries; i++) {
            float rowLse = lse[lseAt + first + i];
            s.laneLse[i] = rowLse == Float.NEGATIVE_INFINITY ? Float.POSITIVE_INFINITY : rowLse;
            int row = rowsAt + i * spec.queryRowStride();
            s.laneDelta[i] = dot(out, outOffset + row, outGrad, outGradOffset + row, spec.headDim());
        }
    }

    private static float dot(float[] a, int aAt, float[] b, int bAt, int n) {
        float sum = 0f;
        for (int p = 0; p < n; p++) {
            sum += a[aAt + p] * b[bAt + p];
        }
        return sum;
    }

    /** Scores to probabilities in place: P = exp(S - LSE). */
    private void probabilities(int keys) {
        AttentionMath.expShifted(s.scores, 0, keys, s.laneLse, null);
    }

    /** dP to scaled score gradients in place: scale * P * (dP - D). */
    private void scoreGradients(int keys) {
        float[] p = s.scores;
        float[] grads = s.scoreGrads;
        FloatVector delta = FloatVector.fromArray(SPECIES, s.laneDelta, 0);
        float scale = spec.scale();
        for (int j = 0; j < keys; j++) {
            FloatVector dp = FloatVector.fromArray(SPECIES, grads, j * L);
            dp.sub(delta).mul(FloatVector.fromArray(SPECIES, p, j * L)).mul(scale).intoArray(grads, j * L);
        }
    }
}
