package dev.kiln.hal.opencl;

import static org.jocl.CL.clReleaseMemObject;

import dev.kiln.api.backend.Kernels.Reduction;
import dev.kiln.api.backend.Slice;
import java.util.function.Supplier;
import org.jocl.cl_mem;

/**
 * The row kernels (rows.cl): RMSNorm and LayerNorm with their backwards, softmax, row
 * reductions, the sum of squares and the fused cross-entropy: a work-group per row, reduced in a
 * fixed order. The weight and bias gradients of the norms sum the rows one column per work item.
 */
final class ClRows {

    private final OpenClDevice device;
    private final int rowGroup;
    private final int elementGroup;

    ClRows(OpenClDevice device) {
        this.device = device;
        this.rowGroup = device.tuning().rowGroup();
        this.elementGroup = device.tuning().elementGroup();
    }

    void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        Operands check = sized("rmsNorm", rows, "dim", dim);
        check.f32("x", x, (long) rows * dim);
        check.f32("weight", weight, dim);
        check.f32("out", out, (long) rows * dim);
        check.f32("rstd", rstd, rows);
        if (dim == 0) {
            return;
        }
        launch("rms_norm", () -> "rmsNorm rows=" + rows + " dim=" + dim).slice(x).slice(weight).slice(out)
                .slice(rstd).intValue(dim).floatValue(eps).runGroups(rows, rowGroup);
    }

    void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows, int dim) {
        Operands check = sized("rmsNormBackward", rows, "dim", dim);
        check.f32("x", x, (long) rows * dim);
        check.f32("weight", weight, dim);
        check.f32("rstd", rstd, rows);
        check.f32("dOut", dOut, (long) rows * dim);
        check.f32("dx", dx, (long) rows * dim);
        check.f32("dWeight", dWeight, dim);
        Supplier<String> call = () -> "rmsNormBackward rows=" + rows + " dim=" + dim;
        if (dim == 0) {
            return;
        }
        launch("rms_norm_backward", call).slice(x).slice(weight).slice(rstd).slice(dOut).slice(dx).intValue(dim)
                .runGroups(rows, rowGroup);
        launch("rms_norm_weight_grad", call).slice(x).slice(rstd).slice(dOut).slice(dWeight).intValue(rows)
                .intValue(dim).run1d(dim, elementGroup);
    }

    void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim, float eps) {
        Operands check = sized("layerNorm", rows, "dim", dim);
        check.f32("x", x, (long) rows * dim);
        check.f32("weight", weight, dim);
        if (bias != null) {
            check.f32("bias", bias, dim);
        }
        check.f32("out", out, (long) rows * dim);
        check.f32("mean", mean, rows);
        check.f32("rstd", rstd, rows);
        if (dim == 0) {
            return;
        }
        launch("layer_norm", () -> "layerNorm rows=" + rows + " dim=" + dim).slice(x).slice(weight)
                .optional(bias, weight).flag(bias != null).slice(out).slice(mean).slice(rstd).intValue(dim)
                .floatValue(eps).runGroups(rows, rowGroup);
    }

    void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx, Slice dWeight,
            Slice dBias, int rows, int dim) {
        Operands check = sized("layerNormBackward", rows, "dim", dim);
        check.f32("x", x, (long) rows * dim);
        check.f32("weight", weight, dim);
        check.f32("mean", mean, rows);
        check.f32("rstd", rstd, rows);
        check.f32("dOut", dOut, (long) rows * dim);
        check.f32("dx", dx, (long) rows * dim);
        check.f32("dWeight", dWeight, dim);
        if (dBias != null) {
            check.f32("dBias", dBias, dim);
        }
        if (dim == 0) {
            return;
        }
        Supplier<String> call = () -> "layerNormBackward rows=" + rows + " dim=" + dim;
        launch("layer_norm_backward", call).slice(x).slice(weight).slice(mean).slice(rstd).slice(dOut).slice(dx)
                .intValue(dim).runGroups(rows, rowGroup);
        launch("layer_norm_param_grads", call).slice(x).slice(mean).slice(rstd).slice(dOut).slice(dWeight)
                .optional(dBias, dWeight).flag(dBias != null).intValue(rows).intValue(dim).run1d(dim, elementGroup);
    }

    void softmax(Slice x, Slice out, int rows, int cols) {
        Operands check = sized("softmax", rows, "cols", cols);
        check.f32("x", x, (long) rows * cols);
        check.f32("out", out, (long) rows * cols);
        if (cols == 0) {
            return;
        }
        launch("softmax", () -> "softmax rows=" + rows + " cols=" + cols).slice(x).slice(out).intValue(cols)
                .runGroups(rows, rowGroup);
    }

    void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        Operands check = sized("softmaxBackward", rows, "cols", cols);
        check.f32("out", out, (long) rows * cols);
        check.f32("dOut", dOut, (long) rows * cols);
        check.f32("dx", dx, (long) rows * cols);
        if (cols == 0) {
            return;
        }
        launch("softmax_backward", () -> "softmaxBackward rows=" + rows + " cols=" + cols).slice(out).slice(dOut)
                .slice(dx).intValue(cols).runGroups(rows, rowGroup);
    }

    void reduce(Reduction op, Slice x, Slice out, int rows, int cols) {
        Operands check = sized("reduce " + op, rows, "cols", cols);
        check.f32("x", x, (long) rows * cols);
        check.f32("out", out, rows);
        launch("reduce_rows", () -> "reduce " + op + " rows=" + rows + " cols=" + cols).slice(x).slice(out)
                .intValue(cols).intValue(op.ordinal()).runGroups(rows, rowGroup);
    }

    /** Partial sums per work-group on the device, added in double on the host. */
    double sumOfSquares(Slice x, long n) {
        Operands check = new Operands(device, "sumOfSquares");
        check.size("n", n);
        check.f32("x", x, n);
        if (n == 0) {
            return 0;
        }
        int groups = (int) Math.min(device.tuning().reductionGroups(), (n + rowGroup - 1) / rowGroup);
        cl_mem partials = device.scratchFloats(groups);
        try {
            launch("sum_of_squares", () -> "sumOfSquares n=" + n).slice(x).longValue(n).memory(partials)
                    .runGroups(groups, rowGroup);
            double sum = 0;
            for (float partial : device.readFloats(partials, groups)) {
                sum += partial;
            }
            return sum;
        } finally {
            clReleaseMemObject(partials);
        }
    }

    void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab, int ignoreIndex) {
        Operands check = sized("crossEntropy", rows, "vocab", vocab);
        check.f32("logits", logits, (long) rows * vocab);
        check.i32("targets", targets, rows);
        check.f32("losses", losses, rows);
        check.f32("lse", lse, rows);
        requireTargets(check, targets, rows, vocab, ignoreIndex);
        launch("cross_entropy", () -> "crossEntropy rows=" + rows + " vocab=" + vocab).slice(logits).slice(targets)
                .slice(losses).slice(lse).intValue(vocab).intValue(ignoreIndex).runGroups(rows, rowGroup);
    }

    void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        Operands check = sized("crossEntropyBackward", rows, "vocab", vocab);
        check.f32("logits", logits, (long) rows * vocab);
        check.i32("targets", targets, rows);
        check.f32("lse", lse, rows);
        check.f32("dLogits", dLogits, (long) rows * vocab);
        requireTargets(check, targets, rows, vocab, ignoreIndex);
        launch("cross_entropy_backward", () -> "crossEntropyBackward rows=" + rows + " vocab=" + vocab)
                .slice(logits).slice(targets).slice(lse).slice(dLogits).intValue(vocab).intValue(ignoreIndex)
                .floatValue(gradScale).run2d(vocab, rows, elementGroup);
    }

    /** Every target is ignored or a row of the vocabulary: read back and checked before any row runs. */
    private void requireTargets(Operands check, Slice targets, int rows, int vocab, int ignoreIndex) {
        int[] values = device.readInts(targets, rows);
        for (int r = 0; r < rows; r++) {
            int target = values[r];
            if (target != ignoreIndex && (target < 0 || target >= vocab)) {
                throw check.fail("target " + target + " of row " + r + " is outside the vocabulary of " + vocab
                        + " and is not the ignore index " + ignoreIndex);
            }
        }
    }

    private Operands sized(String kernel, int rows, String columnsName, int columns) {
        Operands check = new Operands(device, kernel);
        check.size("rows", rows);
        check.size(columnsName, columns);
        return check;
    }

    private Launch launch(String kernel, Supplier<String> call) {
        return new Launch(device, device.mainProgram(), kernel, call);
    }
}
