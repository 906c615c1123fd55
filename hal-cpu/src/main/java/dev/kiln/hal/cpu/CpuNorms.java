package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Norms;
import dev.kiln.hal.cpu.kernel.Reductions;

/**
 * rmsNorm and layerNorm, forward and backward, split into row blocks. The weight and bias
 * gradients are sums over rows: each block adds its rows into a partial buffer of its own, and
 * the partials are then added into dWeight and dBias in block order, so the bits do not depend on
 * which thread ran which block (nor, as the blocks depend on the sizes only, on the thread count).
 */
final class CpuNorms {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuNorms(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        Operands op = sized("rmsNorm", rows, dim);
        long n = (long) rows * dim;
        float[] xs = op.f32("x", x, n);
        float[] ws = op.f32("weight", weight, dim);
        float[] outs = op.f32("out", out, n);
        float[] rstds = op.f32("rstd", rstd, rows);
        int xo = at(x), wo = at(weight), oo = at(out), ro = at(rstd);
        if (rows == 0 || dim == 0) {
            return;
        }
        blocks.rows(rows, dim, (from, to) -> Norms.rmsNorm(xs, xo, ws, wo, outs, oo, rstds, ro, dim, eps, 0f,
                from, to));
    }

    void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows, int dim) {
        Operands op = sized("rmsNormBackward", rows, dim);
        long n = (long) rows * dim;
        float[] xs = op.f32("x", x, n);
        float[] ws = op.f32("weight", weight, dim);
        float[] rstds = op.f32("rstd", rstd, rows);
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dxs = op.f32("dx", dx, n);
        float[] dws = dWeight == null ? null : op.f32("dWeight", dWeight, dim);
        int xo = at(x), wo = at(weight), ro = at(rstd), go = at(dOut), dxo = at(dx);
        if (rows == 0 || dim == 0) {
            return;
        }
        float[] partials = dws == null ? null : new float[blocks.partialBlocks(rows, dim) * dim];
        blocks.partialRows(rows, dim, (block, from, to) -> Norms.rmsNormBackward(xs, xo, ws, wo, rstds, ro,
                dOuts, go, dxs, dxo, partials, block * dim, dim, 0f, from, to));
        addPartials(partials, rows, dim, dws, dWeight);
    }

    void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim,
            float eps) {
        Operands op = sized("layerNorm", rows, dim);
        long n = (long) rows * dim;
        float[] xs = op.f32("x", x, n);
        float[] ws = op.f32("weight", weight, dim);
        float[] bs = bias == null ? null : op.f32("bias", bias, dim);
        float[] outs = op.f32("out", out, n);
        float[] means = op.f32("mean", mean, rows);
        float[] rstds = op.f32("rstd", rstd, rows);
        int xo = at(x), wo = at(weight), bo = bias == null ? 0 : at(bias), oo = at(out), mo = at(mean),
                ro = at(rstd);
        if (rows == 0 || dim == 0) {
            return;
        }
        blocks.rows(rows, dim, (from, to) -> Norms.layerNorm(xs, xo, ws, wo, bs, bo, outs, oo, means, mo,
                rstds, ro, dim, eps, from, to));
    }

    void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx, Slice dWeight,
            Slice dBias, int rows, int dim) {
        Operands op = sized("layerNormBackward", rows, dim);
        long n = (long) rows * dim;
        float[] xs = op.f32("x", x, n);
        float[] ws = op.f32("weight", weight, dim);
        float[] means = op.f32("mean", mean, rows);
        float[] rstds = op.f32("rstd", rstd, rows);
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dxs = op.f32("dx", dx, n);
        float[] dws = dWeight == null ? null : op.f32("dWeight", dWeight, dim);
        float[] dbs = dBias == null ? null : op.f32("dBias", dBias, dim);
        int xo = at(x), wo = at(weight), mo = at(mean), ro = at(rstd), go = at(dOut), dxo = at(dx);
        if (rows == 0 || dim == 0) {
            return;
        }
        int partialFloats = blocks.partialBlocks(rows, dim) * dim;
        float[] weightPartials = dws == null ? null : new float[partialFloats];
        float[] biasPartials = dbs == null ? null : new float[partialFloats];
        blocks.partialRows(rows, dim, (block, from, to) -> Norms.layerNormBackward(xs, xo, ws, wo, means, mo,
                rstds, ro, dOuts, go, dxs, dxo, weightPartials, block * dim, biasPartials, block * dim, dim, from, to));
        addPartials(weightPartials, rows, dim, dws, dWeight);
        addPartials(biasPartials, rows, dim, dbs, dBias);
    }

    /** {@code target += partial 0 + partial 1 + ...}, in that order, column blocks in parallel. */
    private void addPartials(float[] partials, int rows, int dim, float[] target, Slice slice) {
        if (partials == null) {
            return;
        }
        int parts = blocks.partialBlocks(rows, dim);
        int to = at(slice);
        blocks.elements(dim, (from, end) -> Reductions.accumulatePartials(partials, 0, parts, dim, target, to,
                from, end));
    }

    private Operands sized(String kernel, int rows, int dim) {
        Operands op = new Operands(device, kernel);
        op.size("rows", rows);
        op.size("dim", dim);
        return op;
    }
}
