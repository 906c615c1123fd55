package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.AttentionMath.L;

import java.util.Arrays;

/**
 * Working memory for {@link FlashAttention}, one per thread: a few key tiles and query tiles,
 * independent of the sequence lengths. It grows to the largest head dimension it has served and
 * is then reused, so steady-state calls allocate nothing. Not thread-safe.
 */
public final class AttentionScratch {

    /** Keys per tile: scores exist only one tile at a time. A multiple of the lane count. */
    static final int KEY_TILE = Math.max(64, L);

    // A tile of queries in lanes: element (key or dim p, query lane) at p * L + lane.
    /** Scores, then probabilities, of a key tile: [KEY_TILE][L]. */
    final float[] scores = new float[KEY_TILE * L];
    /** Backward: dP, then dS, of a key tile: [KEY_TILE][L]. */
    final float[] scoreGrads = new float[KEY_TILE * L];
    /** Per query lane: running max, running sum, the rescale of this tile, LSE, rowsum(dO * O). */
    final float[] laneMax = new float[L];
    final float[] laneSum = new float[L];
    final float[] laneRescale = new float[L];
    final float[] laneLse = new float[L];
    final float[] laneDelta = new float[L];
    final float[] laneOnes = new float[L];
    /** Per query lane: what exp subtracts (the running max, 0 while it is -inf), a tile's sum. */
    final float[] laneBase = new float[L];
    final float[] laneTileSum = new float[L];

    /** Scaled queries, transposed: [headDim][L]. */
    float[] queriesT = new float[0];
    /** Forward: the unnormalized output, transposed; backward: dQ, transposed. [headDim][L]. */
    float[] accT = new float[0];
    /** Backward: dO, transposed: [headDim][L]. */
    float[] outGradsT = new float[0];
    /**
     * Backward: Q and dO rows of the query tile, copied next to each other, [L][headDim]: read
     * for every key tile, and in place their stride is often a multiple of 4 KiB, which makes
     * the rows evict each other from L1.
     */
    float[] queryRows = new float[0];
    float[] outGradRows = new float[0];

    // Single query rows (the decoding path), one per head decoded together, each padded with
    // zeros to rowLength floats, a whole number of vectors.
    int rowLength;
    /** Scaled query rows. */
    float[] rows = new float[0];
    /** Unnormalized output rows. */
    float[] rowAccs = new float[0];
    /** Per row: running max and sum. */
    float[] rowMax = new float[0];
    float[] rowSum = new float[0];
    /** Per key of a tile, the L partial sums of its dot product with the query row. */
    final float[] rowPartials = new float[KEY_TILE * L];

    /** The kernels, bound to this scratch; they hold a call's arrays only while it runs. */
    final AttentionForward forward = new AttentionForward(this);
    final AttentionBackward backward = new AttentionBackward(this);

    private int headDimCapacity;

    public AttentionScratch() {
        Arrays.fill(laneOnes, 1f);
    }

    /**
     * Makes room for rows of {@code headDim} floats and {@code heads} single query rows at once;
     * allocates only when it grows.
     */
    void reserve(int headDim, int heads) {
        if (headDim > headDimCapacity) {
            queriesT = new float[headDim * L];
            accT = new float[headDim * L];
            outGradsT = new float[headDim * L];
            queryRows = new float[L * headDim];
            outGradRows = new float[L * headDim];
            headDimCapacity = headDim;
        }
        int length = AttentionMath.roundUpToLanes(headDim);
        if (length > rowLength || heads > rowMax.length) {
            rowLength = Math.max(length, rowLength);
            int rowCount = Math.max(heads, rowMax.length);
            rows = new float[rowCount * rowLength];
            rowAccs = new float[rowCount * rowLength];
            rowMax = new float[rowCount];
            rowSum = new float[rowCount];
        }
    }
}
