package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Kernels.Reduction;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Reductions;
import java.util.Arrays;

/**
 * reduce, in row blocks, and sumOfSquares: a partial per element block, the partials summed in
 * block order, so the bits depend on the sizes only, not on the threads.
 */
final class CpuReductions {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuReductions(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void reduce(Reduction kind, Slice x, Slice out, int rows, int cols) {
        Operands op = new Operands(device, "reduce " + kind);
        op.size("rows", rows);
        op.size("cols", cols);
        float[] xs = op.f32("x", x, (long) rows * cols);
        float[] outs = op.f32("out", out, rows);
        int xo = at(x), oo = at(out);
        if (cols == 0) {
            // The reduction of nothing, as the reference has it: sum 0, mean 0/0, max -infinity.
            float empty = switch (kind) {
                case SUM -> 0f;
                case MEAN -> Float.NaN;
                case MAX -> Float.NEGATIVE_INFINITY;
            };
            Arrays.fill(outs, oo, oo + rows, empty);
            return;
        }
        blocks.rows(rows, cols, (from, to) -> {
            switch (kind) {
                case SUM -> Reductions.sumLastDim(xs, xo, outs, oo, cols, from, to);
                case MEAN -> Reductions.meanLastDim(xs, xo, outs, oo, cols, from, to);
                case MAX -> Reductions.maxLastDim(xs, xo, outs, oo, cols, from, to);
            }
        });
    }

    double sumOfSquares(Slice x, long n) {
        float[] xs = new Operands(device, "sumOfSquares").f32("x", x, n);
        int xo = at(x);
        double[] partials = new double[blocks.elementBlocks(n)];
        blocks.indexedElements(n, (block, from, to) -> partials[block] = Reductions.sumOfSquares(xs, xo, from, to));
        return Reductions.sumInOrder(partials, 0, partials.length);
    }
}
