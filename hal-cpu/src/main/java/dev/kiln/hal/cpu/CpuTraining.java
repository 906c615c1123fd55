package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Dropout;
import dev.kiln.hal.cpu.kernel.Optimizers;

/** The elementwise kernels of training: dropout and its backward, and the AdamW step. */
final class CpuTraining {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuTraining(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    /** The mask of element i is a hash of (seed, i), so blocks need not agree on anything. */
    void dropout(Slice x, Slice out, long n, float p, long seed) {
        Operands op = new Operands(device, "dropout");
        float[] xs = op.f32("x", x, n);
        float[] outs = op.f32("out", out, n);
        requireProbability(op, p);
        int xo = at(x), oo = at(out);
        blocks.elements(n, (from, to) -> Dropout.dropout(xs, xo, outs, oo, p, seed, from, to));
    }

    void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed) {
        Operands op = new Operands(device, "dropoutBackward");
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dxs = op.f32("dx", dx, n);
        requireProbability(op, p);
        int go = at(dOut), dxo = at(dx);
        blocks.elements(n, (from, to) -> Dropout.dropoutBackward(dOuts, go, dxs, dxo, p, seed, from, to));
    }

    void adamW(AdamWStep s, Slice param, Slice grad, Slice m, Slice v, long n) {
        Operands op = new Operands(device, "adamW");
        float[] params = op.f32("param", param, n);
        float[] grads = op.f32("grad", grad, n);
        float[] ms = op.f32("m", m, n);
        float[] vs = op.f32("v", v, n);
        int po = at(param), go = at(grad), mo = at(m), vo = at(v);
        // Past 2^31 steps beta^step has long been 0: the bias corrections no longer change.
        int step = (int) Math.min(s.step(), Integer.MAX_VALUE);
        blocks.elements(n, (from, to) -> Optimizers.adamW(params, po, grads, go, ms, mo, vs, vo, s.lr(), s.beta1(),
                s.beta2(), s.eps(), s.weightDecay(), step, from, to));
    }

    private static void requireProbability(Operands op, float p) {
        if (!(p >= 0 && p <= 1)) {
            throw op.fail("p must be in [0, 1]: " + p);
        }
    }
}
