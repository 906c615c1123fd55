package dev.kiln.core.backend;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;

/**
 * The kernels of a {@link MovableDevice}: each call runs on the current device's kernels, with
 * every operand pointed at the memory behind it there, and no move in between.
 */
final class MovableKernels implements Kernels {

    private final MovableDevice device;

    MovableKernels(MovableDevice device) {
        this.device = device;
    }

    private Slice in(Slice slice) {
        return device.inner(slice);
    }

    @Override
    public void gemm(Gemm shape, Slice a, Slice b, Slice c) {
        device.run(d -> d.kernels().gemm(shape, in(a), in(b), in(c)));
    }

    @Override
    public void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        device.run(d -> d.kernels().binary(op, in(a), in(b), in(out), rows, cols, broadcastB));
    }

    @Override
    public void scale(Slice x, Slice out, long n, float alpha) {
        device.run(d -> d.kernels().scale(in(x), in(out), n, alpha));
    }

    @Override
    public void axpy(float alpha, Slice x, Slice y, long n) {
        device.run(d -> d.kernels().axpy(alpha, in(x), in(y), n));
    }

    @Override
    public void fill(Slice out, long n, float value) {
        device.run(d -> d.kernels().fill(in(out), n, value));
    }

    @Override
    public void activation(Activation act, Slice x, Slice out, long n) {
        device.run(d -> d.kernels().activation(act, in(x), in(out), n));
    }

    @Override
    public void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        device.run(d -> d.kernels().activationBackward(act, in(x), in(dOut), in(dx), n));
    }

    @Override
    public void swiglu(Slice gate, Slice up, Slice out, long n) {
        device.run(d -> d.kernels().swiglu(in(gate), in(up), in(out), n));
    }

    @Override
    public void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        device.run(d -> d.kernels().swigluBackward(in(gate), in(up), in(dOut), in(dGate), in(dUp), n));
    }

    @Override
    public void rmsNorm(Slice x, Slice weight, Slice out, Slice rstd, int rows, int dim, float eps) {
        device.run(d -> d.kernels().rmsNorm(in(x), in(weight), in(out), in(rstd), rows, dim, eps));
    }

    @Override
    public void rmsNormBackward(Slice x, Slice weight, Slice rstd, Slice dOut, Slice dx, Slice dWeight, int rows,
            int dim) {
        device.run(d -> d.kernels().rmsNormBackward(in(x), in(weight), in(rstd), in(dOut), in(dx), in(dWeight),
                rows, dim));
    }

    @Override
    public void layerNorm(Slice x, Slice weight, Slice bias, Slice out, Slice mean, Slice rstd, int rows, int dim,
            float eps) {
        device.run(d -> d.kernels().layerNorm(in(x), in(weight), in(bias), in(out), in(mean), in(rstd), rows, dim,
                eps));
    }

    @Override
    public void layerNormBackward(Slice x, Slice weight, Slice mean, Slice rstd, Slice dOut, Slice dx,
            Slice dWeight, Slice dBias, int rows, int dim) {
        device.run(d -> d.kernels().layerNormBackward(in(x), in(weight), in(mean), in(rstd), in(dOut), in(dx),
                in(dWeight), in(dBias), rows, dim));
    }

    @Override
    public void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        device.run(d -> d.kernels().rope(spec, in(x), in(positions), tokens, heads, inverse));
    }

    @Override
    public void softmax(Slice x, Slice out, int rows, int cols) {
        device.run(d -> d.kernels().softmax(in(x), in(out), rows, cols));
    }

    @Override
    public void softmaxBackward(Slice out, Slice dOut, Slice dx, int rows, int cols) {
        device.run(d -> d.kernels().softmaxBackward(in(out), in(dOut), in(dx), rows, cols));
    }

    @Override
    public void attention(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        device.run(d -> d.kernels().attention(shape, in(q), in(k), in(v), in(mask), in(out), in(lse)));
    }

    @Override
    public void attentionBackward(AttentionShape shape, Slice q, Slice k, Slice v, Slice mask, Slice out,
            Slice lse, Slice dOut, Slice dq, Slice dk, Slice dv) {
        device.run(d -> d.kernels().attentionBackward(shape, in(q), in(k), in(v), in(mask), in(out), in(lse),
                in(dOut), in(dq), in(dk), in(dv)));
    }

    @Override
    public void embedding(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        device.run(d -> d.kernels().embedding(in(table), in(ids), in(out), count, dim, vocab));
    }

    @Override
    public void embeddingBackward(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        device.run(d -> d.kernels().embeddingBackward(in(ids), in(dOut), in(dTable), count, dim, vocab));
    }

    @Override
    public void crossEntropy(Slice logits, Slice targets, Slice losses, Slice lse, int rows, int vocab,
            int ignoreIndex) {
        device.run(d -> d.kernels().crossEntropy(in(logits), in(targets), in(losses), in(lse), rows, vocab,
                ignoreIndex));
    }

    @Override
    public void crossEntropyBackward(Slice logits, Slice targets, Slice lse, Slice dLogits, int rows, int vocab,
            int ignoreIndex, float gradScale) {
        device.run(d -> d.kernels().crossEntropyBackward(in(logits), in(targets), in(lse), in(dLogits), rows, vocab,
                ignoreIndex, gradScale));
    }

    @Override
    public void reduce(Reduction op, Slice x, Slice out, int rows, int cols) {
        device.run(d -> d.kernels().reduce(op, in(x), in(out), rows, cols));
    }

    @Override
    public double sumOfSquares(Slice x, long n) {
        return device.shared(d -> d.kernels().sumOfSquares(in(x), n));
    }

    @Override
    public void convert(Slice src, Slice dst, long n) {
        device.run(d -> d.kernels().convert(in(src), in(dst), n));
    }

    @Override
    public void dropout(Slice x, Slice out, long n, float p, long seed) {
        device.run(d -> d.kernels().dropout(in(x), in(out), n, p, seed));
    }

    @Override
    public void dropoutBackward(Slice dOut, Slice dx, long n, float p, long seed) {
        device.run(d -> d.kernels().dropoutBackward(in(dOut), in(dx), n, p, seed));
    }

    @Override
    public void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n) {
        device.run(d -> d.kernels().adamW(step, in(param), in(grad), in(m), in(v), n));
    }
}
