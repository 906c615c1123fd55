package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.CrossEntropy;
import dev.kiln.hal.cpu.kernel.Softmax;

/** softmax and cross-entropy (log-softmax fused with the loss), forward and backward, in row blocks. */
final class CpuSoftmax {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuSoftmax(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void softmax(Slice x, Slice out, int rows, int cols) {
        Operands op = sized("softmax", rows, "cols", cols);
        long n = (long) rows * cols;
        float[] xs = op.f32("x", x, n);
        float[] outs = op.f32("out", out, n);
        int xo = at(x), oo = at(out);
        if (n == 0) {
            return;
        }
        blocks.rows(rows, cols, (from, to) -> Softmax.softmax(xs, xo, outs, oo, cols, from, to));
    }

    void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        Operands op = sized("softmaxBackward", rows, "cols", cols);
        long n = (long) rows * cols;
        float[] outs = op.f32("out", out, n);
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dxs = op.f32("dx", dx, n);
        int oo = at(out), go = at(dOut), dxo = at(dx);
        if (n == 0) {
            return;
        }
        blocks.rows(rows, cols, (from, to) -> Softmax.softmaxBackward(outs, oo, dOuts, go, dxs, dxo, cols, from, to));
    }

    void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab, int ignoreIndex) {
        Operands op = sized("crossEntropy", rows, "vocab", vocab);
        float[] logitValues = op.f32("logits", logits, (long) rows * vocab);
        int[] targetValues = op.i32("targets", targets, rows);
        float[] lossValues = op.f32("losses", losses, rows);
        float[] lseValues = op.f32("lse", lse, rows);
        int lo = at(logits), to = at(targets), so = at(losses), eo = at(lse);
        requireTargets(op, targetValues, to, rows, vocab, ignoreIndex);
        if (rows == 0) {
            return;
        }
        blocks.rows(rows, vocab, (from, end) -> CrossEntropy.crossEntropy(logitValues, lo, vocab, targetValues, to,
                ignoreIndex, lossValues, so, lseValues, eo, from, end));
    }

    void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        Operands op = sized("crossEntropyBackward", rows, "vocab", vocab);
        long n = (long) rows * vocab;
        float[] logitValues = op.f32("logits", logits, n);
        int[] targetValues = op.i32("targets", targets, rows);
        float[] lseValues = op.f32("lse", lse, rows);
        float[] dLogitValues = op.f32("dLogits", dLogits, n);
        int lo = at(logits), to = at(targets), eo = at(lse), go = at(dLogits);
        requireTargets(op, targetValues, to, rows, vocab, ignoreIndex);
        if (rows == 0) {
            return;
        }
        blocks.rows(rows, vocab, (from, end) -> CrossEntropy.crossEntropyBackward(logitValues, lo, vocab, targetValues,
                to, ignoreIndex, lseValues, eo, gradScale, dLogitValues, go, from, end));
    }

    /** Every target is in the vocabulary or ignored: checked whole, before any block writes. */
    private static void requireTargets(Operands op, int[] targets, int offset, int rows, int vocab, int ignoreIndex) {
        for (int r = 0; r < rows; r++) {
            int target = targets[offset + r];
            if (target != ignoreIndex && (target < 0 || target >= vocab)) {
                throw op.fail("target " + target + " of row " + r + " is outside the vocabulary of " + vocab
                        + " and is not the ignore index " + ignoreIndex);
            }
        }
    }

    private Operands sized(String kernel, int rows, String colsName, int cols) {
        Operands op = new Operands(device, kernel);
        op.size("rows", rows);
        op.size(colsName, cols);
        return op;
    }
}
