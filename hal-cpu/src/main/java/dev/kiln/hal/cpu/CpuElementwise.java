package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Kernels.BinaryOp;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Elementwise;
import java.util.Arrays;

/** binary, scale, axpy and fill, split into element (or row, for a broadcast) blocks. */
final class CpuElementwise {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuElementwise(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void binary(BinaryOp kind, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        Operands op = new Operands(device, "binary " + kind);
        op.size("rows", rows);
        op.size("cols", cols);
        long n = (long) rows * cols;
        float[] as = op.f32("a", a, n);
        float[] bs = op.f32("b", b, broadcastB ? cols : n);
        float[] outs = op.f32("out", out, n);
        int ao = at(a), bo = at(b), oo = at(out);
        if (n == 0) {
            return;
        }
        if (broadcastB) {
            blocks.rows(rows, cols, (from, to) -> {
                switch (kind) {
                    case ADD -> Elementwise.addRow(as, ao, bs, bo, outs, oo, cols, from, to);
                    case SUB -> Elementwise.subRow(as, ao, bs, bo, outs, oo, cols, from, to);
                    case MUL -> Elementwise.mulRow(as, ao, bs, bo, outs, oo, cols, from, to);
                    case DIV -> Elementwise.divRow(as, ao, bs, bo, outs, oo, cols, from, to);
                }
            });
        } else {
            blocks.elements(n, (from, to) -> {
                switch (kind) {
                    case ADD -> Elementwise.add(as, ao, bs, bo, outs, oo, from, to);
                    case SUB -> Elementwise.sub(as, ao, bs, bo, outs, oo, from, to);
                    case MUL -> Elementwise.mul(as, ao, bs, bo, outs, oo, from, to);
                    case DIV -> Elementwise.div(as, ao, bs, bo, outs, oo, from, to);
                }
            });
        }
    }

    void scale(Slice x, Slice out, long n, float alpha) {
        Operands op = new Operands(device, "scale");
        float[] xs = op.f32("x", x, n);
        float[] outs = op.f32("out", out, n);
        int xo = at(x), oo = at(out);
        blocks.elements(n, (from, to) -> Elementwise.scale(xs, xo, alpha, outs, oo, from, to));
    }

    void axpy(float alpha, Slice x, Slice y, long n) {
        Operands op = new Operands(device, "axpy");
        float[] xs = op.f32("x", x, n);
        float[] ys = op.f32("y", y, n);
        int xo = at(x), yo = at(y);
        blocks.elements(n, (from, to) -> Elementwise.axpy(alpha, xs, xo, ys, yo, from, to));
    }

    void fill(Slice out, long n, float value) {
        float[] outs = new Operands(device, "fill").f32("out", out, n);
        int oo = at(out);
        blocks.elements(n, (from, to) -> Arrays.fill(outs, oo + from, oo + to, value));
    }
}
