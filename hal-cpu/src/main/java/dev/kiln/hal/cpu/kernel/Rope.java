package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embeddings for x laid out [batch, seq, heads, headDim], i.e. [tokens, heads,
 * headDim] with token t = b * seq + s, over tokens [tokenFrom, tokenTo). Each token carries its own
 * position ({@code positions[t]}), so KV-cache decoding and packed sequences need nothing special.
 *
 * <p>The first {@code table.rotaryDim()} dimensions of each head rotate in pairs by pos * f_i, in
 * the table's {@link RopeLayout}; the rest pass through. The backward rotates the gradient by the
 * opposite angle, the rotation's transpose. y may alias x (and dx dy) at the same offset.
 */
public final class Rope {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Swaps neighbours 2i and 2i + 1, pairing the elements the interleaved layout rotates together. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, i -> i ^ 1);

    private Rope() {}

    /** y = rotate(x, +angle). */
    public static void rope(float[] x, int xOff, float[] y, int yOff, int heads, int headDim, RopeTable table,
                            int[] positions, int positionsOff, int tokenFrom, int tokenTo) {
        rotate("rope", 1f, x, xOff, y, yOff, heads, headDim, table, positions, positionsOff, tokenFrom, tokenTo);
    }

    /** dx = rotate(dy, -angle). */
    public static void ropeBackward(float[] dy, int dyOff, float[] dx, int dxOff, int heads, int headDim,
                                    RopeTable table, int[] positions, int positionsOff, int tokenFrom, int tokenTo) {
        rotate("ropeBackward", -1f, dy, dyOff, dx, dxOff, heads, headDim, table, positions, positionsOff,
                tokenFrom, tokenTo);
    }

    private static void rotate(String op, float direction, float[] x, int xOff, float[] y, int yOff,
                               int heads, int headDim, RopeTable table, int[] positions, int positionsOff,
                               int tokenFrom, int tokenTo) {
        check(op, x, xOff, y, yOff, heads, headDim, table, positions, positionsOff, tokenFrom, tokenTo);
        int rotaryDim = table.rotaryDim();
        boolean interleaved = table.layout() == RopeLayout.INTERLEAVED;
        boolean copyPassThrough = rotaryDim < headDim && (x != y || xOff != yOff);
        for (int t = tokenFrom; t < tokenTo; t++) {
            int angles = positions[positionsOff + t] * table.stride;
            for (int h = 0; h < heads; h++) {
                int head = (t * heads + h) * headDim;
                if (interleaved) {
                    rotatePairs(x, xOff + head, y, yOff + head, rotaryDim, table, angles, direction);
                } else {
                    rotateHalf(x, xOff + head, y, yOff + head, rotaryDim / 2, table, angles, direction);
                }
                if (copyPassThrough) {
                    System.arraycopy(x, xOff + head + rotaryDim, y, yOff + head + rotaryDim, headDim - rotaryDim);
                }
            }
        }
    }

    /** y1 = x1 c - x2 s, y2 = x2 c + x1 s over the halves x1 = x[0, half), x2 = x[half, 2 half). */
    private static void rotateHalf(float[] x, int xAt, float[] y, int yAt, int half, RopeTable table, int angles,
                                   float direction) {
        for (int i = 0; i < half; i += L) {
            VectorMask<Float> m = F.indexInRange(i, half);
            FloatVector c = FloatVector.fromArray(F, table.cos, angles + i, m);
            FloatVector s = FloatVector.fromArray(F, table.sin, angles + i, m).mul(direction);
            FloatVector x1 = FloatVector.fromArray(F, x, xAt + i, m);
            FloatVector x2 = FloatVector.fromArray(F, x, xAt + half + i, m);
            x1.mul(c).sub(x2.mul(s)).intoArray(y, yAt + i, m);
            x2.mul(c).add(x1.mul(s)).intoArray(y, yAt + half + i, m);
        }
    }

    /**
     * y = x * C + swap(x) * S with the table's doubled cos C and signed sin S, which is
     * y[2i] = x[2i] c - x[2i+1] s and y[2i+1] = x[2i+1] c + x[2i] s.
     */
    private static void rotatePairs(float[] x, int xAt, float[] y, int yAt, int rotaryDim, RopeTable table,
                                    int angles, float direction) {
        for (int i = 0; i < rotaryDim; i += L) {
            // rotaryDim and L are even, so a mask never splits a pair
            VectorMask<Float> m = F.indexInRange(i, rotaryDim);
            FloatVector c = FloatVector.fromArray(F, table.cos, angles + i, m);
            FloatVector s = FloatVector.fromArray(F, table.sin, angles + i, m).mul(direction);
            FloatVector v = FloatVector.fromArray(F, x, xAt + i, m);
            v.mul(c).add(v.rearrange(SWAP_PAIRS).mul(s)).intoArray(y, yAt + i, m);
        }
    }

    private static void check(String op, float[] x, int xOff, float[] y, int yOff, int heads, int headDim,
                              RopeTable table, int[] positions, int positionsOff, int tokenFrom, int tokenTo) {
        if (table == null) {
            throw ArgChecks.fail(op, "table is null");
        }
        ArgChecks.positive(op, "heads", heads);
        ArgChecks.positive(op, "headDim", headDim);
        if (table.rotaryDim() > headDim) {
            throw ArgChecks.fail(op, "the table rotates " + table.rotaryDim() + " dimensions, more than headDim "
                    + headDim);
        }
        ArgChecks.range(op, "token", tokenFrom, tokenTo);
        ArgChecks.rows(op, "input", x, xOff, tokenTo, heads * headDim);
        ArgChecks.rows(op, "output", y, yOff, tokenTo, heads * headDim);
        ArgChecks.span(op, "positions", positions, positionsOff, tokenTo);
        for (int t = tokenFrom; t < tokenTo; t++) {
            int pos = positions[positionsOff + t];
            if (pos < 0 || pos >= table.maxPositions()) {
                throw ArgChecks.fail(op, "position of token " + t + " is " + pos + ", outside the table's [0, "
                        + table.maxPositions() + ")");
            }
        }
    }
}
